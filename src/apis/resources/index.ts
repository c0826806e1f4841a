/** The apis.kcp.io types every workspace serves (not served in plain mode). */
import type { ResourceType } from '../../apiserver/registry/resource-type.ts';
import { apiBindings } from './apibindings.ts';
import { apiExportEndpointSlices } from './apiexportendpointslices.ts';
import { apiExports } from './apiexports.ts';
import { apiResourceSchemas } from './apiresourceschemas.ts';

export { apiBindings, apiExportEndpointSlices, apiExports, apiResourceSchemas };

export const apisTypes: readonly ResourceType[] = [
  apiResourceSchemas,
  apiExports,
  apiBindings,
  apiExportEndpointSlices,
];
