import { describe, expect, it } from 'vitest';
import { parseSize } from '../../src/engine/config.js';
import { isLoopbackHost, isOwnHost } from '../../src/providers/endpoints.js';
import { isPrivateAddress } from '../../src/providers/private-address.js';

describe('addresses a recipe URL may not reach by default', () => {
  it.each([
    '127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.20', '169.254.169.254', '100.64.0.1',
    '0.0.0.0', '224.0.0.251', '255.255.255.255', '::1', '::', '[::1]', 'fe80::1', 'fd12:3456::1', 'fc00::7', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a00:1', '::ffff:0:10.0.0.1', '64:ff9b::169.254.169.254', '::127.0.0.1',
  ])('%s is refused', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '172.15.255.255', '100.128.0.1', '169.255.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8', '64:ff9b::808:808', 'example.com'])(
    '%s is not',
    (address) => {
      expect(isPrivateAddress(address)).toBe(false);
    },
  );
});

describe('where a key may be sent', () => {
  it('knows each provider’s documented hosts, and nothing that merely contains them', () => {
    expect(isOwnHost('wavespeed', 'api.wavespeed.ai')).toBe(true);
    expect(isOwnHost('wavespeed', 'API.WaveSpeed.ai.')).toBe(true);
    expect(isOwnHost('wavespeed', 'api.wavespeed.ai.evil.example')).toBe(false);
    expect(isOwnHost('wavespeed', 'dashscope.aliyuncs.com')).toBe(false);
    expect(isOwnHost('dashscope', 'dashscope-intl.aliyuncs.com')).toBe(true);
    expect(isOwnHost('dashscope', 'ws-1a2b.ap-southeast-1.maas.aliyuncs.com')).toBe(true);
    expect(isOwnHost('dashscope', 'x.y.cn-beijing.maas.aliyuncs.com')).toBe(false);
    expect(isOwnHost('dashscope', 'ws-1a2b.us-east-1.maas.aliyuncs.com')).toBe(false);
  });

  it('allows plain http only on loopback', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]', 'app.localhost']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['10.0.0.1', 'localhost.example.com', '0.0.0.0', 'example.com']) expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('download sizes', () => {
  it.each([
    ['500MB', 500e6],
    ['2GiB', 2 * 1024 ** 3],
    ['2 gb', 2e9],
    ['1.5MiB', 1.5 * 1024 ** 2],
    [1048576, 1048576],
    ['4096', 4096],
  ] as const)('%s is %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['lots', '0', '-1MB', '2 GB extra', 0, true])('%s is not a size', (text) => {
    expect(parseSize(text)).toBeUndefined();
  });
});
