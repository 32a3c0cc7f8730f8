import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../common/api-docs';
import { RateLimited } from '../common/rate-limit';
import type { Request, Response } from 'express';
import type { Actor } from '../common/actor';
import {
  CurrentActor,
  CurrentPrincipal,
  type Principal,
  Public,
  Roles,
  SESSION_COOKIE,
} from '../common/auth.decorators';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { toUserResponse, UserResponse } from '../users/dto/user.dto';
import { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';
import { LoginDto, LoginResponse } from './dto/auth.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @ApiRoute('Sign in: sets the session cookie and returns a bearer token', {
    type: LoginResponse,
    errors: [401],
  })
  @Post('login')
  @Public()
  @RateLimited('login')
  @HttpCode(200)
  async login(
    @CurrentActor() actor: Actor,
    @Body() dto: LoginDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<LoginResponse> {
    const result = await this.auth.login(
      actor,
      dto.email,
      dto.password,
      req.get('user-agent') ?? null,
    );
    res.cookie(SESSION_COOKIE, result.accessToken, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.config.cookieSecure === 'auto' ? req.secure : this.config.cookieSecure,
      path: '/',
      expires: result.expiresAt,
    });
    return {
      accessToken: result.accessToken,
      expiresAt: result.expiresAt.toISOString(),
      user: toUserResponse(result.user),
    };
  }

  @ApiRoute('Sign out: ends the session', { status: 204 })
  @Post('logout')
  @Roles('viewer')
  @HttpCode(204)
  async logout(
    @CurrentActor() actor: Actor,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    await this.auth.logout(actor, principal);
    res.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict' });
  }

  @ApiRoute('The signed-in user', { type: UserResponse })
  @Get('me')
  async me(@CurrentPrincipal() principal: Principal): Promise<UserResponse> {
    return toUserResponse(await this.users.get(principal.userId));
  }
}
