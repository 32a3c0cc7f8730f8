import type {
  ApiTokenResponse,
  CreateApiTokenRequest,
  CreatedApiTokenResponse,
} from '@fleetdesk/api-types';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { del, get, post } from '../../api/client';

export const TOKENS_KEY = ['tokens'] as const;

export function useTokens() {
  return useQuery({
    queryKey: TOKENS_KEY,
    queryFn: () => get<ApiTokenResponse[]>('/tokens'),
  });
}

export function useCreateToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateApiTokenRequest) => post<CreatedApiTokenResponse>('/tokens', body),
    onSuccess: () => client.invalidateQueries({ queryKey: TOKENS_KEY }),
  });
}

export function useRevokeToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (token: ApiTokenResponse) =>
      del<ApiTokenResponse>(`/tokens/${encodeURIComponent(token.id)}`),
    onSuccess: () => client.invalidateQueries({ queryKey: TOKENS_KEY }),
  });
}

export type TokenState = 'active' | 'expiring' | 'expired' | 'revoked';

const SOON_MS = 7 * 86_400_000;

export function tokenState(token: ApiTokenResponse, now = Date.now()): TokenState {
  if (token.revokedAt) return 'revoked';
  if (!token.expiresAt) return 'active';
  const left = new Date(token.expiresAt).getTime() - now;
  if (left <= 0) return 'expired';
  return left < SOON_MS ? 'expiring' : 'active';
}

/** The current time, refreshed every minute, so "expired" badges appear without a reload. */
export function useNow(intervalMs = 60_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}
