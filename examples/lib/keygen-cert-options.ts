/**
 * `ssh-keygen -O` certificate options (ssh-keygen(1) "-O option"; add_cert_option / finalise_cert_exts in
 * ssh-keygen.c). User certificates start with the five permit-* extensions on; host certificates (-h) with
 * none. Names are matched without case, as ssh-keygen does.
 */
import { parseSourceAddressList } from '../../src/keys/certificate-source-address.js';
import { KeygenError } from './keygen-error.js';

type OptionSet = Record<string, true | string>;

export interface CertificateOptionSets {
  criticalOptions: OptionSet;
  extensions: OptionSet;
}

/** The on/off flags -O can toggle: `permit-X` / `no-X` pairs, plus the FIDO ones. */
const TOGGLES: readonly { on: string; off: string; name: string; critical: boolean }[] = [
  { on: 'permit-x11-forwarding', off: 'no-x11-forwarding', name: 'permit-X11-forwarding', critical: false },
  {
    on: 'permit-agent-forwarding',
    off: 'no-agent-forwarding',
    name: 'permit-agent-forwarding',
    critical: false,
  },
  {
    on: 'permit-port-forwarding',
    off: 'no-port-forwarding',
    name: 'permit-port-forwarding',
    critical: false,
  },
  { on: 'permit-pty', off: 'no-pty', name: 'permit-pty', critical: false },
  { on: 'permit-user-rc', off: 'no-user-rc', name: 'permit-user-rc', critical: false },
  { on: 'no-touch-required', off: 'touch-required', name: 'no-touch-required', critical: false },
  { on: 'verify-required', off: 'no-verify-required', name: 'verify-required', critical: true },
];
/** CERTOPT_DEFAULT: what a user certificate permits unless told otherwise. */
const USER_DEFAULTS = new Set([
  'permit-X11-forwarding',
  'permit-agent-forwarding',
  'permit-port-forwarding',
  'permit-pty',
  'permit-user-rc',
]);

function prefixed(opt: string, prefix: string): string | null {
  return opt.slice(0, prefix.length).toLowerCase() === prefix ? opt.slice(prefix.length) : null;
}

/**
 * Applies the -O options in order to the defaults for the certificate type.
 * @example certificateOptions(['clear', 'permit-pty', 'force-command=uptime'], false)
 *   // { criticalOptions: { 'force-command': 'uptime' }, extensions: { 'permit-pty': true } }
 * @throws KeygenError on an unknown option, an empty or repeated value, a bad source-address list
 */
export function certificateOptions(options: readonly string[], host: boolean): CertificateOptionSets {
  const flags = new Set(host ? [] : USER_DEFAULTS);
  const criticalOptions: OptionSet = {};
  const extensions: OptionSet = {};
  for (const opt of options) {
    const lower = opt.toLowerCase();
    const toggle = TOGGLES.find((t) => t.on === lower || t.off === lower);
    if (lower === 'clear') flags.clear();
    else if (toggle !== undefined) {
      if (toggle.on === lower) flags.add(toggle.name);
      else flags.delete(toggle.name);
    } else if (prefixed(opt, 'force-command=') !== null) {
      setValue(criticalOptions, 'force-command', prefixed(opt, 'force-command=')!);
    } else if (prefixed(opt, 'source-address=') !== null) {
      const list = prefixed(opt, 'source-address=')!;
      if (list !== '' && parseSourceAddressList(list) === null)
        throw new KeygenError('keygen: invalid source-address list');
      setValue(criticalOptions, 'source-address', list);
    } else if (prefixed(opt, 'extension:') !== null || prefixed(opt, 'critical:') !== null) {
      const critical = prefixed(opt, 'critical:') !== null;
      const spec = opt.slice(opt.indexOf(':') + 1);
      const eq = spec.indexOf('=');
      const [name, value] = eq < 0 ? [spec, true as const] : [spec.slice(0, eq), spec.slice(eq + 1)];
      (critical ? criticalOptions : extensions)[name] = value;
    } else {
      throw new KeygenError(`keygen: unsupported certificate option "${opt}"`);
    }
  }
  for (const t of TOGGLES) {
    if (flags.has(t.name)) (t.critical ? criticalOptions : extensions)[t.name] = true;
  }
  return { criticalOptions, extensions };
}

function setValue(set: OptionSet, name: string, value: string): void {
  if (value === '') throw new KeygenError(`keygen: empty ${name} option`);
  if (Object.hasOwn(set, name)) throw new KeygenError(`keygen: ${name} already specified`);
  set[name] = value;
}
