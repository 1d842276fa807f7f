// The hand-over from the command to the daemon image: every Settings the parser can
// produce survives encoding unchanged (password bytes included), and anything else
// handed to the daemon is refused with a message, never run on half its settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseSettings } from '../../src/config/parse-settings.js';
import { memoryHostChecks } from '../../src/config/host-checks.js';
import { decodeHandover, encodeHandover, type Handover } from '../../src/config/settings-transfer.js';

const HOST = memoryHostChecks({ files: {}, executables: ['/etc/up', '/etc/down'] });

function parsed(argv: string[]): Handover {
  const out = parseSettings(argv, {}, HOST);
  if (out.kind !== 'run') assert.fail(`refused: ${(out.kind === 'exit' ? out.stderr : out.kind) ?? ''}`);
  return { settings: out.settings, warnings: out.warnings, title: 'ucarp-ts --pass=*' };
}

const BASE = ['--interface=eth0', '--srcip=10.0.0.1', '--vhid=7', '--addr=10.0.0.100'];

test('a parsed CARP and a parsed VRRP configuration come out exactly as they went in', () => {
  for (const argv of [
    [...BASE, '--pass=s3cret', '--upscript=/etc/up', '--downscript=/etc/down', '--xparam=x', '--shutdown', '--advskew=20'],
    [...BASE, '--protocol=vrrp3', '--advbase=0.05', '--priority=200', '--peer=10.0.0.2', '--addr=10.0.0.101'],
  ]) {
    const h = parsed(argv);
    assert.deepEqual(decodeHandover(encodeHandover(h)), h);
  }
});

test('any password bytes, warnings and title survive the round trip', () => {
  const base = parsed([...BASE, '--pass=x']);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.array(fc.string()), fc.string(), (pw, warnings, title) => {
      const groups = [{ ...base.settings.groups[0]!, password: Buffer.from(pw) }];
      const h: Handover = { settings: { ...base.settings, groups }, warnings, title };
      const back = decodeHandover(encodeHandover(h));
      assert.deepEqual(back, h);
    }),
  );
});

test('the password is not readable as text in the encoded hand-over', () => {
  const h = parsed([...BASE, '--pass=plain-secret-word']);
  assert.ok(!encodeHandover(h).toString().includes('plain-secret-word'));
});

test('garbage, another format, a missing field or a wrong type is refused by name', () => {
  const good = JSON.parse(encodeHandover(parsed([...BASE, '--pass=x'])).toString()) as Record<string, any>;
  const withGroup = (over: Record<string, unknown>): string =>
    JSON.stringify({ ...good, settings: { ...good.settings, groups: [{ ...good.settings.groups[0], ...over }] } });
  const cases: [string | Buffer, RegExp][] = [
    ['', /not JSON/],
    ['{"format":"other"}', /not ucarp-ts-handover\/2/],
    [withGroup({ vhid: '7' }), /group 1: "vhid" is not a number/],
    [withGroup({ addrs: undefined }), /"addrs" is not a list of IP addresses/],
    [withGroup({ srcip: '10.0.0.01' }), /"srcip" is not an IP address/],
    [withGroup({ extraEnv: { A: 1 } }), /"extraEnv" holds a non-string/],
    [withGroup({ priority: 100 }), /group 1: "priority" is not a carp setting/],
    [withGroup({ advskew: undefined }), /"advskew" is not a number/],
    [withGroup({ password: null }), /bad password/],
    [withGroup({ protocol: 'vrrp4' }), /has no protocol/],
    [JSON.stringify({ ...good, settings: { ...good.settings, groups: [] } }), /no groups/],
    [JSON.stringify({ ...good, settings: { ...good.settings, process: { ...good.settings.process, debug: 1 } } }), /process: "debug" is not a boolean/],
    [JSON.stringify({ ...good, warnings: [1] }), /bad warnings/],
    [JSON.stringify({ ...good, title: null }), /bad title/],
  ];
  for (const [input, message] of cases) assert.throws(() => decodeHandover(input), message);
});
