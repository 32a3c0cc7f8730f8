import type { EnvVar } from '@fleetdesk/protocol';
import { SecretBox } from '../secrets/secret-box';
import type { JobEntity } from './job.entity';

/** What a job's runs get besides the script: parameters as env vars and as arguments. */
export interface JobEnv {
  env: EnvVar[];
  args: string[];
}

/** Binds the sealed env to its job: copied into another job's row it does not open. */
const aad = (jobId: string) => `job:${jobId}:sealed_env`;

/**
 * Env and args are sealed together: both carry parameter values, secret ones included
 * (args are the same values, positionally). Null when there is nothing to seal.
 */
export function sealJobEnv(box: SecretBox, jobId: string, value: JobEnv): string | null {
  if (value.env.length === 0 && value.args.length === 0) return null;
  return box.seal(JSON.stringify(value), aad(jobId));
}

/** A job's env and args, whether sealed or (written before sealing) still plain. */
export function openJobEnv(
  box: SecretBox,
  job: Pick<JobEntity, 'id' | 'env' | 'args' | 'sealedEnv'>,
): JobEnv {
  if (job.sealedEnv === null) return { env: job.env, args: job.args };
  return JSON.parse(box.open(job.sealedEnv, aad(job.id))) as JobEnv;
}
