/** /v1/admin/devices/<tenant>/<site>/<device>/series[/<metric>]: the kind and unit of a device's series. */
import type { FastifyInstance } from 'fastify';
import type { DeviceAddress } from '../../../registry';
import { parameterKinds, type ParameterKind } from '../../../schemas/types';
import { errorBodySchema } from '../../http-errors';
import type { AdminOperations } from '../admin-operations';
import { deviceAddressSchema, seriesSettingSchema } from './admin-schemas';

const errors = { '4xx': errorBodySchema };
const tags = ['admin: series settings'];
const metricParams = { type: 'object', properties: { ...deviceAddressSchema.properties, metric: { type: 'string', minLength: 1 } }, required: [...deviceAddressSchema.required, 'metric'], additionalProperties: false };

export function registerSeriesSettingRoutes(app: FastifyInstance, admin: AdminOperations): void {
  app.get<{ Params: DeviceAddress }>(
    '/v1/admin/devices/:tenant/:site/:device/series',
    { schema: { summary: "A device's series settings", tags, params: { ...deviceAddressSchema, additionalProperties: false }, response: { 200: { type: 'array', items: seriesSettingSchema }, ...errors } } },
    async (request) => admin.seriesSettings.list(request.caller, request.params),
  );

  app.get<{ Params: DeviceAddress & { metric: string } }>(
    '/v1/admin/devices/:tenant/:site/:device/series/:metric',
    { schema: { summary: 'One series setting (404 SERIES_SETTING_NOT_FOUND when none is set)', tags, params: metricParams, response: { 200: seriesSettingSchema, ...errors } } },
    async (request) => {
      const { metric, ...device } = request.params;
      return admin.seriesSettings.get(request.caller, device, metric);
    },
  );

  app.put<{ Params: DeviceAddress & { metric: string }; Body: { kind: ParameterKind; unit?: string | null } }>(
    '/v1/admin/devices/:tenant/:site/:device/series/:metric',
    {
      schema: {
        summary: "Set a series' kind (how it rolls up) and unit",
        tags,
        params: metricParams,
        body: { type: 'object', properties: { kind: { type: 'string', enum: parameterKinds }, unit: { type: ['string', 'null'] } }, required: ['kind'], additionalProperties: false },
        response: { 200: seriesSettingSchema, ...errors },
      },
    },
    async (request) => {
      const { metric, ...device } = request.params;
      return admin.seriesSettings.set(request.caller, device, metric, request.body);
    },
  );
}
