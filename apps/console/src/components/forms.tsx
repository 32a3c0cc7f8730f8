import {
  Alert,
  Button,
  Group,
  Modal,
  NumberInput,
  type NumberInputProps,
  Stack,
  Switch,
  TextInput,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { Fragment, type ReactNode, useState } from 'react';
import { ApiError, errorMessage } from '../api/client';

/** The server's field errors (a rule the form does not know), by field. */
export function serverFieldErrors(error: unknown): Record<string, string> {
  return error instanceof ApiError
    ? Object.fromEntries(error.fieldErrors.map((f) => [f.field, f.reason]))
    : {};
}

/**
 * A form's errors as shown: the shared rules' `problems` once the technician has tried to
 * send, and the server's field errors on their fields too. `unplaced` is the server's refusal
 * when no field holds it, for the form's foot.
 */
export function useFormErrors(problems: Partial<Record<string, string>>, serverError: unknown) {
  const [tried, setTried] = useState(false);
  const serverFields = serverFieldErrors(serverError);
  return {
    tried,
    serverFields,
    err: (k: string): string | undefined => (tried ? problems[k] : undefined) ?? serverFields[k],
    unplaced: Object.keys(serverFields).length === 0 ? serverError : null,
    /** Marks the form tried; true when the rules find nothing to hold it back. */
    attempt: (): boolean => {
      setTried(true);
      return Object.keys(problems).length === 0;
    },
  };
}

/**
 * A create-or-edit form: its fields, then its foot (FormActions). Enter sends it; the
 * browser's own validation stays off, ours is shown.
 */
export function EditForm({
  onSubmit,
  children,
  ...actions
}: {
  onSubmit: () => void;
  children: ReactNode;
  error: unknown;
  onCancel: () => void;
  submitLabel: string;
  loading: boolean;
}) {
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      <Stack gap="sm">
        {children}
        <FormActions {...actions} />
      </Stack>
    </form>
  );
}

/** What a number input holds: '' while empty. */
export type NumberDraft = number | string;

/** An empty number field is "not given"; anything else goes to the rules as a number. */
export const optionalNumber = (v: NumberDraft): number | undefined =>
  v === '' ? undefined : Number(v);

/**
 * Whole-number inputs for a draft's fields, bounded as the shared rules bound them (`bounds`,
 * by field name), each showing its field's error.
 */
export function numberFields<D extends object>(
  bounds: Partial<Record<keyof D, { min: number; max: number }>>,
  draft: D,
  set: (patch: Partial<D>) => void,
  err: (k: string) => string | undefined,
) {
  return (k: keyof D & string, label: string, extra?: Partial<NumberInputProps>) => (
    <NumberInput
      label={label}
      min={bounds[k]?.min}
      max={bounds[k]?.max}
      allowDecimal={false}
      value={draft[k] as NumberDraft}
      onChange={(v) => set({ [k]: v } as Partial<D>)}
      error={err(k)}
      {...extra}
    />
  );
}

/** The Name field a form opens with (focused). */
export function NameField({
  value,
  onChange,
  maxLength,
  error,
}: {
  value: string;
  onChange: (name: string) => void;
  maxLength?: number;
  error?: string;
}) {
  return (
    <TextInput
      label="Name"
      required
      maxLength={maxLength}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      error={error}
      data-autofocus
    />
  );
}

export function EnabledSwitch({
  checked,
  onChange,
}: {
  checked: boolean;
  onChange: (enabled: boolean) => void;
}) {
  return (
    <Switch label="Enabled" checked={checked} onChange={(e) => onChange(e.currentTarget.checked)} />
  );
}

/**
 * A form's foot: the server's refusal, Cancel, and the button that sends (a submit button
 * inside a SubmitForm, or one calling `onSubmit`).
 */
export function FormActions({
  error,
  errorTitle,
  onCancel,
  submitLabel,
  onSubmit,
  loading,
  disabled,
}: {
  error: unknown;
  errorTitle?: string;
  onCancel?: () => void;
  submitLabel: string;
  onSubmit?: () => void;
  loading: boolean;
  disabled?: boolean;
}) {
  return (
    <>
      {error != null && (
        <Alert color="red" role="alert" title={errorTitle}>
          {errorMessage(error)}
        </Alert>
      )}
      <Group justify="flex-end">
        {onCancel && (
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
        )}
        <Button
          type={onSubmit ? 'button' : 'submit'}
          onClick={onSubmit}
          loading={loading}
          disabled={disabled}
        >
          {submitLabel}
        </Button>
      </Group>
    </>
  );
}

/**
 * The modal a form lives in. The form is mounted only while open, so each opening starts
 * clean; a job form (`fullScreenOnPhone`) takes the whole screen of a phone.
 */
export function FormModal({
  opened,
  onClose,
  title,
  size = 'xl',
  fullScreenOnPhone = false,
  children,
}: {
  opened: boolean;
  onClose: () => void;
  title: string;
  size?: string;
  fullScreenOnPhone?: boolean;
  children: ReactNode;
}) {
  const phone = useMediaQuery('(max-width: 48em)') ?? false;
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={title}
      size={size}
      fullScreen={fullScreenOnPhone && phone}
    >
      {opened && children}
    </Modal>
  );
}

/** A create-or-edit modal's props: `item` null creates one. */
export interface ItemFormModalProps<T> {
  opened: boolean;
  item: T | null;
  onClose: () => void;
}

/**
 * The create-or-edit modal, titled by the item's name or `newTitle`; its form starts fresh for
 * each opening and each item.
 */
export function ItemFormModal<T extends { id: string; name: string }>({
  opened,
  item,
  onClose,
  newTitle,
  editTitle = (name) => `Edit ${name}`,
  size,
  children,
}: ItemFormModalProps<T> & {
  newTitle: string;
  editTitle?: (name: string) => string;
  size?: string;
  children: (item: T | null) => ReactNode;
}) {
  return (
    <FormModal
      opened={opened}
      onClose={onClose}
      title={item ? editTitle(item.name) : newTitle}
      size={size}
    >
      <Fragment key={item?.id ?? 'new'}>{children(item)}</Fragment>
    </FormModal>
  );
}
