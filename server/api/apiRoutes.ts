import * as adminApi from "../routes/adminApi.ts";
import * as api from "../routes/api.ts";
import * as figuresApi from "../routes/figuresApi.ts";
import * as liveTablesApi from "../routes/liveTablesApi.ts";
import * as queriesApi from "../routes/queriesApi.ts";
import * as releasesApi from "../routes/releasesApi.ts";
import * as sites from "../routes/sites.ts";
import * as siteUploads from "../routes/siteUploads.ts";
import * as sqlApi from "../routes/sqlApi.ts";
import * as themes from "../routes/themes.ts";
import * as uploads from "../routes/uploads.ts";
import type { ApiRoute } from "./apiRoute.ts";

/**
 * Every /api/v1 route, in the order of the document: the routes each module declares (and
 * mounts with `mount`). test/server/openapi.test.ts checks that the app serves no /api/v1 route
 * missing here.
 */
export const API_ROUTES: readonly ApiRoute[] = [
  api.health,
  api.studies,
  figuresApi.figures,
  api.estimates,
  api.districtChart,
  themes.studyThemes,
  uploads.codebook,
  uploads.columnMapping,
  uploads.listUploadsRoute,
  uploads.postUpload,
  uploads.rejectsCsv,
  uploads.uploadFiguresRoute,
  uploads.retract,
  siteUploads.postSiteUpload,
  sites.siteScores,
  releasesApi.listReleasesRoute,
  releasesApi.createReleaseRoute,
  releasesApi.releaseRoute,
  releasesApi.scoresRoute,
  themes.releaseThemes,
  sqlApi.sqlRoute,
  liveTablesApi.liveTableRoute,
  queriesApi.listQueries,
  queriesApi.saveQuery,
  queriesApi.deleteQuery,
  adminApi.backup,
  adminApi.adminUploads,
  adminApi.users,
  adminApi.createUserRoute,
  adminApi.disableUser,
  adminApi.enableUser,
  adminApi.passwordRoute,
  adminApi.tokens,
  adminApi.createTokenRoute,
  adminApi.revokeRoute,
] as ApiRoute[];
