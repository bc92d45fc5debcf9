// TLS for listeners, ahead of and around Node's own handshake: refusing unknown server names with
// a TLS alert, and certificates chosen by server name and reloaded from disk.
export {
  acceptServerNames,
  type ServerNameOptions,
  type ServerNameRefusal,
} from './server-names.ts'
export {
  alertRecord,
  MAX_CLIENT_HELLO_BYTES,
  scanClientHello,
  TlsAlert,
  type ClientHelloScan,
} from './client-hello.ts'
export {
  certificateFor,
  serverCertificates,
  type ServerCertificates,
  type ServerTlsConfig,
} from './certificates.ts'
