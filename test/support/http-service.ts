// A real service in a lab host for the health-check tests: start it, kill it (SIGKILL,
// as a crash), start it again. It listens on every address, 127.0.0.1 included, where
// the --check probes it.
import { fileURLToPath } from 'node:url';
import { nodeArgv, type Lab, type LabProcess } from '../lab/lab.js';

const CHILD = fileURLToPath(new URL('./http-service-child.js', import.meta.url));
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

/** Starts the service on each host. */
export async function startServices(lab: Lab, hosts: string[]): Promise<Map<string, HttpService>> {
  const services = new Map(hosts.map((h) => [h, new HttpService(lab, h)] as const));
  await Promise.all([...services.values()].map((s) => s.start()));
  return services;
}
