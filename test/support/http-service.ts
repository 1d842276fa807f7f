// A real service in a lab host for the health-check tests: start it, kill it (SIGKILL,
// as a crash), start it again. It listens on every address, 127.0.0.1 included, where
// the --check probes it.
import { fileURLToPath } from 'node:url';
import { nodeArgv, type Lab, type LabProcess, type Pinger } from '../lab/lab.js';
import { makePinger } from '../lab/pinger.js';

const CHILD = fileURLToPath(new URL('./http-service-child.js', import.meta.url));
const POLLER = fileURLToPath(new URL('./http-poller-child.js', import.meta.url));
/** A program keepalived's vrrp_script can run: exits 0 when the URL answers 2xx/3xx. */
export const HTTP_CHECK_PROGRAM = fileURLToPath(new URL('./http-check-child.js', import.meta.url));
export const SERVICE_PORT = 8080;
/** The check every node runs against its own service. */
export const serviceCheck = (params = ''): string => `--check=http://127.0.0.1:${SERVICE_PORT}/health${params}`;

export class HttpService {
  private proc: LabProcess | null = null;

  constructor(
    private readonly lab: Lab,
    readonly host: string,
  ) {}

  async start(): Promise<void> {
    this.proc = this.lab.spawn(this.host, nodeArgv(CHILD, String(SERVICE_PORT)));
    await this.proc.waitForOutput(/listening/, 5000);
  }

  /** Resolves shortly after the next health-check request it has answered. */
  async probed(timeoutMs = 5000): Promise<void> {
    if (!this.proc) throw new Error(`no service running on ${this.host}`);
    await this.proc.waitForOutput(/^probed$/m, timeoutMs, this.proc.mark());
    // Room for the prober to read the answer before anything kills the service.
    await new Promise((r) => setTimeout(r, 50));
  }

  /** Kills it as a crash would; resolves (wall clock ms) once it is gone. */
  async kill(): Promise<number> {
    const proc = this.proc;
    this.proc = null;
    if (!proc) throw new Error(`no service running on ${this.host}`);
    const at = Date.now();
    proc.kill('SIGKILL');
    await proc.exited;
    return at;
  }
}

/** A client using the service at addr every intervalMs; its report's gaps are the service's outages. */
export async function startHttpClient(lab: Lab, from: string, addr: string, intervalMs: number): Promise<Pinger> {
  const proc = lab.spawn(from, nodeArgv(POLLER, addr, String(SERVICE_PORT), String(intervalMs)));
  await proc.waitForOutput(/^PING /m, 5000);
  return makePinger(proc);
}

/** Starts the service on each host. */
export async function startServices(lab: Lab, hosts: string[]): Promise<Map<string, HttpService>> {
  const services = new Map(hosts.map((h) => [h, new HttpService(lab, h)] as const));
  await Promise.all([...services.values()].map((s) => s.start()));
  return services;
}
