import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * Reads a PEM certificate and key for the server. Throws a message that names the file at fault:
 * a missing or unreadable file, or a certificate and key that TLS cannot use together.
 */
export function loadTlsFiles({ certFile, keyFile }: TlsFiles): { cert: Buffer; key: Buffer } {
  const read = (what: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new Error(`cannot read TLS ${what} file ${file}: ${(error as Error).message}`, { cause: error });
    }
  };
  const cert = read('certificate', certFile);
  const key = read('key', keyFile);
  try {
    // Fails now, with the file names, rather than later inside listen() with an OpenSSL code only.
    createSecureContext({ cert, key });
  } catch (error) {
    throw new Error(`invalid TLS certificate ${certFile} or key ${keyFile}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { cert, key };
}
