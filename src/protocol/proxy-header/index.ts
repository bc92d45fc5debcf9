// The PROXY protocol (v1 and v2): a load balancer's header naming the real client.
export {
  acceptProxyProtocol,
  applyProxyProtocol,
  trustedSources,
  type ProxyProtocolSetting,
  type ProxyRefusal,
} from './accept.ts'
export { scanProxyHeader, type ProxyHeader, type ProxyHeaderScan } from './parse.ts'
