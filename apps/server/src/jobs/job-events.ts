import { Injectable } from '@nestjs/common';
import { TypedEvents } from '../common/typed-events';
import type { RunState } from './run-states';

export type JobEventMap = {
  'run.output': [
    { jobId: string; runId: string; seq: number; stream: 'stdout' | 'stderr'; data: string },
  ];
  'run.status': [{ jobId: string; runId: string; status: RunState }];
  'job.changed': [{ jobId: string }];
};

/** Job happenings for the console gateway to relay to technicians watching a job. */
@Injectable()
export class JobEvents extends TypedEvents<JobEventMap> {}
