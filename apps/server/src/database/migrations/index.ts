import { Foundation1764000000000 } from './1764000000000-foundation';
import { Devices1764100000000 } from './1764100000000-devices';
import { Scripts1764200000000 } from './1764200000000-scripts';
import { Jobs1764300000000 } from './1764300000000-jobs';
import { ReportSafety1764400000000 } from './1764400000000-report-safety';
import { Secrets1764500000000 } from './1764500000000-secrets';
import { LoginThrottle1764600000000 } from './1764600000000-login-throttle';
import { Schedules1764700000000 } from './1764700000000-schedules';
import { EnrollmentAtScale1764710000000 } from './1764710000000-enrollment-at-scale';
import { EnrollmentTokenActor1764750000000 } from './1764750000000-enrollment-token-actor';
import { JobActions1764760000000 } from './1764760000000-job-actions';
import { Software1764800000000 } from './1764800000000-software';
import { SoftwareInventory1764810000000 } from './1764810000000-software-inventory';
import { PatchStatus1764811000000 } from './1764811000000-patch-status';
import { MaintenanceWindows1764820000000 } from './1764820000000-maintenance-windows';
import { Monitoring1764830000000 } from './1764830000000-monitoring';
import { LogCollection1764840000000 } from './1764840000000-log-collection';
import { AgentChecks1764900000000 } from './1764900000000-agent-checks';
import { MetricsHistory1764901000000 } from './1764901000000-metrics-history';
import { FileTransfers1764920000000 } from './1764920000000-file-transfers';
import { LogSearch1764921000000 } from './1764921000000-log-search';
import { AutomationPolicies1764940000000 } from './1764940000000-automation-policies';
import { RevokedDevices1764950000000 } from './1764950000000-revoked-devices';
import { PolicyChecks1765030000000 } from './1765030000000-policy-checks';
import { MetricsCoveringKey1765031000000 } from './1765031000000-metrics-covering-key';
import { WebsiteChecksFromDevices1765040000000 } from './1765040000000-website-checks-from-devices';
import { DeviceNameOrder1765070000000 } from './1765070000000-device-name-order';
import { DeviceStatusHot1765090000000 } from './1765090000000-device-status-hot';
import { JobRunCounts1765100000000 } from './1765100000000-job-run-counts';
import { LogGzipStore1765110000000 } from './1765110000000-log-gzip-store';

/** Listed explicitly so the bundle and the tests load exactly the same set, in order. */
export const MIGRATIONS = [
  Foundation1764000000000,
  Devices1764100000000,
  Scripts1764200000000,
  Jobs1764300000000,
  ReportSafety1764400000000,
  Secrets1764500000000,
  LoginThrottle1764600000000,
  Schedules1764700000000,
  EnrollmentAtScale1764710000000,
  EnrollmentTokenActor1764750000000,
  JobActions1764760000000,
  Software1764800000000,
  SoftwareInventory1764810000000,
  PatchStatus1764811000000,
  MaintenanceWindows1764820000000,
  Monitoring1764830000000,
  LogCollection1764840000000,
  AgentChecks1764900000000,
  MetricsHistory1764901000000,
  FileTransfers1764920000000,
  LogSearch1764921000000,
  AutomationPolicies1764940000000,
  RevokedDevices1764950000000,
  PolicyChecks1765030000000,
  MetricsCoveringKey1765031000000,
  WebsiteChecksFromDevices1765040000000,
  DeviceNameOrder1765070000000,
  DeviceStatusHot1765090000000,
  JobRunCounts1765100000000,
  LogGzipStore1765110000000,
];
