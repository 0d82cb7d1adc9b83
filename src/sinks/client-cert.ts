// Client-certificate policy after the handshake: the client_auth_type modes and SAN allow-list Node has no option for.
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ClientAuthType } from './go-tls-names.js';
import type { TlsSettings } from './web-config.js';

/** Node's server options for a mode; the rest of each mode is enforced by `refusal` once the handshake is done. */
export function serverAuthOptions(mode: ClientAuthType): {
  requestCert: boolean;
  rejectUnauthorized: boolean;
} {
  return {
    requestCert: mode !== 'NoClientCert',
    // Only this mode lets OpenSSL fail the handshake itself; the others must accept what they verify later.
    rejectUnauthorized: mode === 'RequireAndVerifyClientCert',
  };
}

/**
 * Why this connection must be closed, or undefined when it may go on. Go decides these inside the handshake;
 * Node has no hook there, so the check runs on `secureConnection`, before any request is read.
 */
export function refusal(socket: TLSSocket, t: TlsSettings): string | undefined {
  const cert = socket.getPeerX509Certificate();
  switch (t.clientAuth) {
    case 'RequireAnyClientCert':
      if (cert === undefined) return 'no client certificate';
      break;
    case 'VerifyClientCertIfGiven':
      if (cert !== undefined && !socket.authorized) return `client certificate: ${socket.authorizationError}`;
      break;
    case 'RequireAndVerifyClientCert':
      // OpenSSL already refused these; kept so a change of settings between handshake and here is still safe.
      if (cert === undefined || !socket.authorized) return 'client certificate not verified';
      break;
    default:
  }
  if (t.allowedSans !== undefined) {
    if (cert === undefined) return 'no client certificate to match client_allowed_sans';
    const sans = subjectAltNames(cert.subjectAltName);
    if (!t.allowedSans.some((allowed) => sans.has(canonical(allowed)))) {
      return 'client certificate has none of client_allowed_sans';
    }
  }
  return undefined;
}

/**
 * `DNS:a, IP Address:127.0.0.1, email:x@y, URI:spiffe://…` → the values, as Go compares them (IPs in canonical
 * form). Node quotes a value holding a comma or quote as a JSON string, so those are decoded.
 */
export function subjectAltNames(text: string | undefined): Set<string> {
  const out = new Set<string>();
  if (!text) return out;
  const entry = /(DNS|IP Address|email|URI):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;
  for (const m of text.matchAll(entry)) {
    const raw = m[2] as string;
    out.add(canonical(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw));
  }
  return out;
}

/** IPv6 written any way (`::1`, `0:0:0:0:0:0:0:1`) compares equal, as Go's `net.IP.String()` makes it. */
function canonical(value: string): string {
  if (net.isIPv6(value)) return new URL(`http://[${value}]/`).hostname.slice(1, -1);
  return value;
}
