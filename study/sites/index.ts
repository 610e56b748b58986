export {
  type AssessmentRecord,
  isSiteStudy,
  loadSiteStudy,
  type ServedRecord,
  type SiteRecord,
  type SiteStudy,
} from "./loadSiteStudy.ts";
export { type SiteStudyConfig, siteStudySchema } from "./siteStudySchema.ts";
