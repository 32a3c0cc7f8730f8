import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { ApiRoute } from '../common/api-docs';
import { CurrentActor, CurrentPrincipal, type Principal, Roles } from '../common/auth.decorators';
import type { ApiTokenEntity } from './api-token.entity';
import { TokenNeedsSessionException } from './auth.exceptions';
import { ApiTokenResponse, CreateApiTokenDto, CreatedApiTokenResponse } from './dto/auth.dto';
import { TokensService } from './tokens.service';

export function toApiTokenResponse(t: ApiTokenEntity): ApiTokenResponse {
  return {
    id: t.id,
    name: t.name,
    prefix: t.tokenPrefix,
    createdAt: t.createdAt.toISOString(),
    expiresAt: t.expiresAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
  };
}

/** Personal API tokens: each acts with its owner's role, so every role may manage its own. */
@ApiTags('tokens')
@Controller('tokens')
@Roles('viewer')
export class TokensController {
  constructor(private readonly tokens: TokensService) {}

  @ApiRoute("List the caller's API tokens", { type: [ApiTokenResponse] })
  @Get()
  async list(@CurrentPrincipal() p: Principal): Promise<ApiTokenResponse[]> {
    return (await this.tokens.list(p.userId)).map(toApiTokenResponse);
  }

  @ApiRoute('Create an API token (from a console session only); its secret is shown once', {
    status: 201,
    type: CreatedApiTokenResponse,
    errors: [403],
  })
  @Post()
  async create(
    @CurrentActor() actor: Actor,
    @CurrentPrincipal() p: Principal,
    @Body() dto: CreateApiTokenDto,
  ): Promise<CreatedApiTokenResponse> {
    // A leaked token must not be able to mint itself successors.
    if (p.via !== 'session') throw new TokenNeedsSessionException();
    const { token, secret } = await this.tokens.create(actor, p.userId, dto);
    return { ...toApiTokenResponse(token), token: secret };
  }

  @ApiRoute('Revoke an API token', { type: ApiTokenResponse, errors: [409] })
  @Delete(':id')
  async revoke(
    @CurrentActor() actor: Actor,
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<ApiTokenResponse> {
    return toApiTokenResponse(await this.tokens.revoke(actor, id, p.userId, p.role === 'admin'));
  }
}
