/**
 * Who may read and change a device's shadow, as the query and admin routes
 * decide it. Reading is a query route's: any token whose tenant scope holds
 * the device (tenant-scope.ts). Changing what a device is asked to do is an
 * admin route's: a registry token with the admin role in the device's
 * tenant, or a platform admin's (admin/caller.ts); the static tokens of
 * QUERY_API_TOKENS read only.
 */
import { FleetstreamError } from '../../lib/errors';
import { parseDeviceAddress, type DeviceAddress } from '../../registry';
import type { Caller } from '../admin/caller';
import { authorize } from '../admin/caller';
import type { Authenticator } from '../authentication';
import { checkPath, type TenantScope } from '../tenant-scope';

/** The device a request names, NAME_INVALID for a bad name, PATH_OUTSIDE_TENANT outside the scope. */
export function readableDevice(scope: TenantScope, params: DeviceAddress): DeviceAddress {
  const device = parseDeviceAddress(`${params.tenant}/${params.site}/${params.device}`);
  checkPath(scope, `/${device.tenant}/${device.site}/${device.device}`);
  return device;
}

/** The caller allowed to change `device`'s shadow; ROLE_FORBIDDEN for a static token or a read token, TENANT_FORBIDDEN for another tenant's. */
export async function shadowWriter(auth: Authenticator, authorization: string | undefined, device: DeviceAddress): Promise<Caller> {
  let caller: Caller;
  try {
    caller = await auth.caller(authorization);
  } catch (error) {
    // the request got here with a token its scope accepted: a static one, which carries no role
    if ((error as { code?: string }).code !== 'UNAUTHENTICATED') throw error;
    throw new FleetstreamError(
      'ROLE_FORBIDDEN',
      `the tokens of QUERY_API_TOKENS read only; changing a shadow takes a registry token with the admin role in tenant ${device.tenant} (\`fleetstream tokens create --tenant ${device.tenant} --role admin\`)`,
    );
  }
  authorize(caller, 'admin', device.tenant);
  return caller;
}
