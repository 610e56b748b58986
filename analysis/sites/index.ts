export {
  assessSites,
  type RaterEffect,
  type SiteRating,
  type SiteScore,
  type SitesAssessment,
} from "./assessSites.ts";
