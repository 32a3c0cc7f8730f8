import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../common/api-docs';
import { RateLimited } from '../common/rate-limit';
import type { Actor } from '../common/actor';
import { CurrentActor, Public } from '../common/auth.decorators';
import { toUserResponse, UserResponse } from '../users/dto/user.dto';
import { SetupDto, SetupStatusResponse } from './dto/auth.dto';
import { SetupService } from './setup.service';

@ApiTags('setup')
@Controller('setup')
@Public()
export class SetupController {
  constructor(private readonly setup: SetupService) {}

  @ApiRoute('Whether the first administrator still has to be created', {
    type: SetupStatusResponse,
  })
  @Get()
  async status(): Promise<SetupStatusResponse> {
    return { needsSetup: await this.setup.needsSetup() };
  }

  @ApiRoute('Create the first administrator', {
    status: 201,
    type: UserResponse,
    errors: [403, 409],
  })
  @Post()
  @RateLimited('login')
  async complete(@CurrentActor() actor: Actor, @Body() dto: SetupDto): Promise<UserResponse> {
    return toUserResponse(await this.setup.completeSetup(actor, dto));
  }
}
