import { notifications } from '@mantine/notifications';
import { errorMessage } from '../api/client';

export function notifySuccess(message: string): void {
  notifications.show({ color: 'green', message });
}

/** Mutations' onError: the API's reason, in words, kept on screen until read. */
export function notifyError(error: unknown, title = 'That did not work'): void {
  notifications.show({ color: 'red', title, message: errorMessage(error), autoClose: 10_000 });
}
