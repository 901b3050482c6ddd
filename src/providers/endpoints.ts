/**
 * Where each provider's API key may be sent. A `base_url` in a work tree's vidrecipe.config.yaml may
 * come from a pull request, so from there only the providers' own documented hosts are accepted; the
 * environment (`*_BASE_URL`) is the user's, and may name any https host, or plain http on loopback.
 */
export type Provider = 'wavespeed' | 'dashscope';

export interface ProviderEndpoint {
  /** How the provider is named in messages. */
  name: string;
  /** The variable that overrides the endpoint. */
  env: string;
  defaultUrl: string;
  /** The hosts its documentation names (provider-apis.md §1.1, §3.1). */
  hosts: readonly string[];
  /** Host patterns it documents besides, e.g. DashScope's workspace domains. */
  patterns: readonly RegExp[];
}

export const ENDPOINTS: Readonly<Record<Provider, ProviderEndpoint>> = {
  wavespeed: { name: 'WaveSpeed', env: 'WAVESPEED_BASE_URL', defaultUrl: 'https://api.wavespeed.ai', hosts: ['api.wavespeed.ai'], patterns: [] },
  dashscope: {
    name: 'DashScope',
    env: 'DASHSCOPE_BASE_URL',
    defaultUrl: 'https://dashscope-intl.aliyuncs.com',
    hosts: ['dashscope-intl.aliyuncs.com', 'dashscope.aliyuncs.com'],
    // `{WorkspaceId}.ap-southeast-1.maas.aliyuncs.com` and `{WorkspaceId}.cn-beijing.maas.aliyuncs.com`.
    patterns: [/^[a-z0-9-]+\.(ap-southeast-1|cn-beijing)\.maas\.aliyuncs\.com$/],
  },
};

/** True for the provider's own documented hosts. */
export function isOwnHost(provider: Provider, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const { hosts, patterns } = ENDPOINTS[provider];
  return hosts.includes(h) || patterns.some((p) => p.test(h));
}

/** `localhost`, 127.0.0.0/8 and ::1: the only hosts a key may travel to over plain http. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::1' || h === '0:0:0:0:0:0:0:1';
}

/** The documented hosts, for messages: `api.wavespeed.ai`. */
export function ownHostsText(provider: Provider): string {
  const { hosts } = ENDPOINTS[provider];
  return provider === 'dashscope' ? `${hosts.join(', ')} or a workspace's *.ap-southeast-1/cn-beijing.maas.aliyuncs.com` : hosts.join(', ');
}

/**
 * The provider and the setting that chose its endpoint, for a message about a host that cannot be
 * reached: `WaveSpeed's endpoint, from WAVESPEED_BASE_URL in the environment`.
 */
export function describeEndpoint(provider: Provider, from: string | undefined): string {
  const { name, env } = ENDPOINTS[provider];
  return from ? `${name}'s endpoint, from ${from}` : `${name}'s default endpoint; ${env} in the environment sets another`;
}
