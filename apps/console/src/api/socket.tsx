import type { ConsoleClientEvents, ConsoleServerEvents } from '@fleetdesk/api-types';
import { createContext, type ReactNode, useContext, useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';

export type ConsoleSocket = Socket<ConsoleServerEvents, ConsoleClientEvents>;

interface SocketState {
  socket: ConsoleSocket | null;
  connected: boolean;
}

const SocketContext = createContext<SocketState>({ socket: null, connected: false });

/**
 * One socket.io connection per signed-in tab, authenticated by the session cookie. It only
 * exists while signed in, so signing out closes it.
 */
export function SocketProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SocketState>({ socket: null, connected: false });

  useEffect(() => {
    const socket: ConsoleSocket = io({ path: '/socket.io', withCredentials: true });
    const update = () => setState({ socket, connected: socket.connected });
    socket.on('connect', update);
    socket.on('disconnect', update);
    update();
    return () => {
      socket.off('connect', update);
      socket.off('disconnect', update);
      socket.close();
    };
  }, []);

  return <SocketContext.Provider value={state}>{children}</SocketContext.Provider>;
}

export function useSocket(): SocketState {
  return useContext(SocketContext);
}

/**
 * Subscribes to a server event for the life of the component. The handler may change every
 * render; the subscription does not.
 */
export function useSocketEvent<E extends keyof ConsoleServerEvents>(
  event: E,
  handler: ConsoleServerEvents[E],
): void {
  const { socket } = useSocket();
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    if (!socket) return;
    const listener = ((...args: Parameters<ConsoleServerEvents[E]>) =>
      (latest.current as (...a: unknown[]) => void)(...args)) as never;
    socket.on(event, listener);
    return () => {
      socket.off(event, listener);
    };
  }, [socket, event]);
}

/** Calls `onReconnect` each time the socket comes back, so pages can refetch what they missed. */
export function useOnReconnect(onReconnect: () => void): void {
  const { socket } = useSocket();
  const latest = useRef(onReconnect);
  useEffect(() => {
    latest.current = onReconnect;
  });
  useEffect(() => {
    if (!socket) return;
    let first = !socket.connected;
    const listener = () => {
      if (first) first = false;
      else latest.current();
    };
    socket.on('connect', listener);
    return () => {
      socket.off('connect', listener);
    };
  }, [socket]);
}
