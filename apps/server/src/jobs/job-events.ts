import { Injectable } from '@nestjs/common';
import { TypedEvents } from '../common/typed-events';
import type { JobChangedEvent, RunOutputEvent, RunStatusEvent } from '@fleetdesk/api-types';

/** Relayed to consoles as they are, under the same names. */
export type JobEventMap = {
  'run.output': [RunOutputEvent];
  'run.status': [RunStatusEvent];
  'job.changed': [JobChangedEvent];
};

/** Job happenings for the console gateway to relay to technicians watching a job. */
@Injectable()
export class JobEvents extends TypedEvents<JobEventMap> {}
