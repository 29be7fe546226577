/**
 * HTTP Basic credentials (RFC 7617): `Authorization: Basic <base64 of
 * username:password>`, the username being the device's name
 * `<tenant>/<site>/<device>`. The username ends at the first colon; the
 * password may hold colons. Pure.
 */

export interface BasicCredentials {
  username: string;
  password: string;
}

/** The credentials of an Authorization header; undefined when there is none or it is not Basic, or not well formed. */
export function parseBasicCredentials(authorization: string | undefined): BasicCredentials | undefined {
  const match = authorization ? /^Basic[ \t]+([A-Za-z0-9+/]+=*)[ \t]*$/i.exec(authorization) : null;
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The challenge of a 401: which scheme to answer with. */
export const basicChallenge = 'Basic realm="fleetstream", charset="UTF-8"';
