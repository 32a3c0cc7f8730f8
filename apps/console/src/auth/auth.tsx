import { type Role, roleAtLeast, type UserResponse } from '@fleetdesk/api-types';
import { type QueryClient, useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo } from 'react';
import { ApiError, get, post, SESSION_EXPIRED_EVENT } from '../api/client';

interface AuthState {
  user: UserResponse | null;
  loading: boolean;
  /** True when the server has no user yet and wants the one-time setup token. */
  needsSetup: boolean;
  refresh: () => Promise<void>;
  signOut: () => Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export const ME_KEY = ['auth', 'me'] as const;

/**
 * Back to signed-out: nothing of the previous user's data may stay in memory for the next
 * one. The "me" query itself stays (set to null) because AuthProvider observes it; clearing
 * the whole cache would leave that observer on a dropped query and the page would not change.
 */
function forgetUser(client: QueryClient): void {
  client.setQueryData(ME_KEY, null);
  client.removeQueries({
    predicate: (query) => query.queryKey[0] !== ME_KEY[0] && query.queryKey[0] !== 'setup',
  });
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const me = useQuery({
    queryKey: ME_KEY,
    queryFn: async () => {
      try {
        return await get<UserResponse>('/auth/me');
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    retry: false,
    staleTime: Infinity,
  });
  const setup = useQuery({
    queryKey: ['setup'],
    queryFn: () => get<{ needsSetup: boolean }>('/setup'),
    enabled: me.data === null,
    staleTime: Infinity,
  });

  const refresh = useCallback(async () => {
    await client.invalidateQueries({ queryKey: ME_KEY });
    await client.invalidateQueries({ queryKey: ['setup'] });
  }, [client]);

  const signOut = useCallback(async () => {
    try {
      await post('/auth/logout');
    } finally {
      forgetUser(client);
    }
  }, [client]);

  useEffect(() => {
    // Only a session that existed can expire; the first /auth/me 401 is just "signed out".
    const expired = () => {
      if (client.getQueryData(ME_KEY)) forgetUser(client);
    };
    window.addEventListener(SESSION_EXPIRED_EVENT, expired);
    return () => window.removeEventListener(SESSION_EXPIRED_EVENT, expired);
  }, [client]);

  const value = useMemo<AuthState>(
    () => ({
      user: me.data ?? null,
      loading: me.isPending || (me.data === null && setup.isPending),
      needsSetup: setup.data?.needsSetup ?? false,
      refresh,
      signOut,
    }),
    [me.data, me.isPending, setup.data, setup.isPending, refresh, signOut],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error('useAuth outside AuthProvider');
  return state;
}

/**
 * Whether the signed-in user holds at least `role`. Hides controls the user cannot use;
 * the server checks again on every call.
 */
export function useCan(role: Role): boolean {
  const { user } = useAuth();
  return user ? roleAtLeast(user.role, role) : false;
}
