import { Injectable } from '@nestjs/common';

/**
 * The scheduler's only source of "now". Integration tests replace `now` on the app's
 * instance to walk through DST changes and outages without waiting.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
