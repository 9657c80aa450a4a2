import { type Socket, connect as netConnect, isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface DialTarget {
  readonly host: string;
  readonly port: number;
  /** Present for TLS. */
  readonly tls?: {
    /** Extra trusted CA certificates (PEM). */
    readonly ca?: Buffer;
    /** Accept any certificate. */
    readonly insecure: boolean;
  };
  /** Give up on a host that does not answer. Default 10 s. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Connects (and for TLS, completes the verified handshake); rejects with the socket's error. */
export function dial(target: DialTarget): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const { host, port, tls } = target;
    const socket = tls
      ? tlsConnect({
          host,
          port,
          // SNI takes a host name only; an IP address is checked against the certificate's IP SANs.
          ...(isIP(host) === 0 ? { servername: host } : {}),
          ...(tls.ca ? { ca: tls.ca } : {}),
          rejectUnauthorized: !tls.insecure,
        })
      : netConnect({ host, port });
    const ready = tls ? 'secureConnect' : 'connect';
    const timer = setTimeout(() => {
      socket.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
    }, target.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const onError = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.once('error', onError);
    socket.once(ready, () => {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

/** Why a connection failed, in words a user can act on. */
export function describeDialError(error: unknown, target: Pick<DialTarget, 'host' | 'port' | 'tls'>): string {
  const err = error as NodeJS.ErrnoException;
  const where = `${target.host}:${target.port}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return `cannot connect to ${where}: connection refused (is the server running?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot connect to ${where}: host not found: ${target.host}`;
    case 'ETIMEDOUT':
      return `cannot connect to ${where}: timed out`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `cannot connect to ${where}: host unreachable`;
  }
  if (target.tls && isCertificateError(err)) {
    return (
      `TLS certificate of ${where} rejected: ${err.message}` +
      ' (use --ca FILE to trust a private CA, or --insecure to skip verification)'
    );
  }
  if (target.tls && err.code?.startsWith('ERR_SSL') === true) {
    return `TLS handshake with ${where} failed: ${err.message} (is it a TLS server?)`;
  }
  return `cannot connect to ${where}: ${err.message}`;
}

function isCertificateError(err: NodeJS.ErrnoException): boolean {
  const code = err.code ?? '';
  return code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code);
}
