import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiErrors } from '../common/api-docs';
import { Public } from '../common/auth.decorators';
import { RateLimited } from '../common/rate-limit';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { InvalidHostException } from './agent-downloads.exceptions';
import { type InstallScriptKind, InstallScriptsService } from './install-scripts.service';

const HOST = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/;

const scriptResponse = (description: string) =>
  ApiResponse({
    status: 200,
    description,
    content: { 'text/plain': { schema: { type: 'string' } } },
  });

/** Public: the scripts carry only public facts; the token is given on the command line. */
@ApiTags('agent')
@Controller()
@Public()
@RateLimited('download')
export class InstallScriptsController {
  constructor(
    private readonly scripts: InstallScriptsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** PUBLIC_URL, else the address this request reached the server at. */
  private serverUrl(req: Request): string {
    if (this.config.publicUrl) return this.config.publicUrl;
    const host = req.get('host') ?? '';
    if (!HOST.test(host)) throw new InvalidHostException();
    return `${req.protocol}://${host}`;
  }

  /** Text headers only on success: an error keeps the JSON body and type of every error. */
  private async send(kind: InstallScriptKind, req: Request, res: Response): Promise<string> {
    const script = await this.scripts.render(kind, this.serverUrl(req));
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    // The hashes change with every build: never run a cached copy.
    res.setHeader('Cache-Control', 'no-store');
    return script;
  }

  @ApiOperation({ summary: 'The agent installer for Linux and macOS (POSIX sh)' })
  @scriptResponse('`curl -fsSL <server>/install.sh | sudo sh -s -- --token fde_…`')
  @ApiErrors(400, 404)
  @Get('install.sh')
  shell(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<string> {
    return this.send('sh', req, res);
  }

  @ApiOperation({ summary: 'The agent installer for Windows (PowerShell)' })
  @scriptResponse('Run from an elevated PowerShell; see the console for the one-liner')
  @ApiErrors(400, 404)
  @Get('install.ps1')
  powerShell(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<string> {
    return this.send('ps1', req, res);
  }
}
