import { Controller, Get } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { HealthResponse } from '@fleetdesk/api-types';
import { ApiRoute, ErrorBody } from '../common/api-docs';
import { Public } from '../common/auth.decorators';
import { HealthIndicatorDto, HealthResponse as HealthResponseSchema } from './health.dto';

@ApiTags('health')
@Controller('health')
@Public()
@ApiExtraModels(HealthIndicatorDto)
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
  ) {}

  @ApiRoute('Liveness and database check (503 with an ErrorBody when failing)', {
    type: HealthResponseSchema,
  })
  @ApiResponse({ status: 503, description: 'A check failed', type: ErrorBody })
  @Get()
  // Documented by ApiRoute: terminus' own schema is Swagger 2 shaped and fails the lint.
  @HealthCheck({ swaggerDocumentation: false })
  check(): Promise<HealthResponse> {
    return this.health.check([() => this.db.pingCheck('database', { timeout: 3000 })]);
  }
}
