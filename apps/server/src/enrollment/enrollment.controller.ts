import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { Actor } from '../common/actor';
import { CurrentActor, Public, Roles } from '../common/auth.decorators';
import { ApiRoute } from '../common/api-docs';
import {
  CreatedEnrollmentTokenResponse,
  CreateEnrollmentTokenDto,
  EnrollDto,
  EnrollmentTokenResponse,
  EnrollResponse,
  toEnrollmentTokenResponse,
} from './dto/enrollment.dto';
import { EnrollmentService } from './enrollment.service';

@ApiTags('enrollment')
@Controller('enrollment-tokens')
@Roles('technician')
export class EnrollmentTokensController {
  constructor(private readonly enrollment: EnrollmentService) {}

  @ApiRoute('List enrollment tokens', { type: [EnrollmentTokenResponse] })
  @Get()
  async list(): Promise<EnrollmentTokenResponse[]> {
    return (await this.enrollment.list()).map(toEnrollmentTokenResponse);
  }

  @ApiRoute('Create an enrollment token; its secret is shown once', {
    status: 201,
    type: CreatedEnrollmentTokenResponse,
  })
  @Post()
  async create(
    @CurrentActor() actor: Actor,
    @Body() dto: CreateEnrollmentTokenDto,
  ): Promise<CreatedEnrollmentTokenResponse> {
    const { token, secret, serverKeySha256 } = await this.enrollment.create(actor, dto);
    return { ...toEnrollmentTokenResponse(token), token: secret, serverKeySha256 };
  }

  @ApiRoute('Revoke an enrollment token', { type: EnrollmentTokenResponse })
  @Delete(':id')
  async revoke(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<EnrollmentTokenResponse> {
    return toEnrollmentTokenResponse(await this.enrollment.revoke(actor, id));
  }
}

/** The agent's only REST call: authenticated by the enrollment token in its body, not by a user. */
@ApiTags('enrollment')
@Controller('agent')
export class AgentEnrollController {
  constructor(private readonly enrollment: EnrollmentService) {}

  @ApiRoute('Enroll a device (the agent, with an enrollment token in the body)', {
    status: 201,
    type: EnrollResponse,
    errors: [401, 409, 429],
  })
  @Post('enroll')
  @Public()
  enroll(@Req() req: Request, @Body() dto: EnrollDto): Promise<EnrollResponse> {
    return this.enrollment.enroll(req.ip ?? null, dto);
  }
}
