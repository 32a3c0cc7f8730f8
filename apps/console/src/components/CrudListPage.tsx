import type { Page } from '@fleetdesk/api-types';
import { Button, Group, Loader, Table } from '@mantine/core';
import type { UseMutationResult, UseQueryResult } from '@tanstack/react-query';
import { type ComponentType, type ReactNode, useState } from 'react';
import { notifySuccess } from '../lib/notify';
import { EmptyState, ErrorAlert, PageHeader } from './common';
import { ConfirmModal } from './ConfirmModal';
import type { ItemFormModalProps } from './forms';
import { Paging } from './Paging';

export interface Column<T> {
  header: ReactNode;
  w?: number;
  cell: (item: T) => ReactNode;
  /** On the cell, for tests that read one column. */
  testId?: string;
}

/**
 * A paged list's body: the load error with a retry, the loader, the empty state, or the table
 * and its pager. The page (its query, its page number) stays with the caller.
 */
export interface PagedTableProps<T> {
  list: UseQueryResult<Page<T>>;
  page: number;
  onPage: (page: number) => void;
  /** The pager's word for the items ("checks"). */
  noun: string;
  loadingLabel: string;
  empty: ReactNode;
  testId: string;
  minWidth: number;
  columns: Column<T>[];
  /** Each row's test id and data attributes. */
  rowProps: (item: T) => Record<string, string>;
  /** Each row's React key. */
  rowKey: (item: T) => string;
}

export function PagedTable<T>({
  list,
  page,
  onPage,
  noun,
  loadingLabel,
  empty,
  testId,
  minWidth,
  columns,
  rowProps,
  rowKey,
}: PagedTableProps<T>) {
  return (
    <>
      {list.isError && <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />}
      {list.isPending && (
        <Group justify="center" py="xl">
          <Loader aria-label={loadingLabel} />
        </Group>
      )}
      {list.data && list.data.total === 0 && empty}
      {list.data && list.data.total > 0 && (
        <>
          <Table.ScrollContainer minWidth={minWidth}>
            <Table striped verticalSpacing="xs" data-testid={testId}>
              <Table.Thead>
                <Table.Tr>
                  {columns.map((c, i) => (
                    <Table.Th key={i} w={c.w}>
                      {c.header}
                    </Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.items.map((item) => (
                  <Table.Tr key={rowKey(item)} {...rowProps(item)}>
                    {columns.map((c, i) => (
                      <Table.Td key={i} data-testid={c.testId}>
                        {c.cell(item)}
                      </Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Paging
            page={page}
            pageSize={list.data.pageSize}
            total={list.data.total}
            onPage={onPage}
            noun={noun}
          />
        </>
      )}
    </>
  );
}

const deleteTitle = (name: string) => `Delete ${name}?`;
const deleted = (name: string) => `Deleted ${name}`;

interface Named {
  id: string;
  name: string;
}

/** What deleting one item asks and says; the server's refusal shows in the dialog. */
export interface DeleteSpec {
  mutation: UseMutationResult<unknown, Error, string>;
  confirmLabel: string;
  /** What else goes, in a sentence. */
  consequence: ReactNode;
  /** The dialog's title and the notice after, by the item's name. */
  title?: (name: string) => string;
  done?: (name: string) => string;
}

/**
 * A page of things a technician creates, edits and deletes (checks, channels, policies): the
 * header with its create button, the paged table with Edit and Delete on each row, the form
 * modal for a new or a chosen item, and the delete confirmation.
 */
export function CrudListPage<T extends Named>({
  title,
  createLabel,
  canWrite,
  useList,
  emptyText,
  form: Form,
  remove,
  rowActions,
  actionsWidth = 160,
  editable = true,
  children,
  ...table
}: Omit<PagedTableProps<T>, 'empty' | 'list' | 'page' | 'onPage' | 'loadingLabel' | 'rowKey'> & {
  /** The page's title; the loader and the empty state say it too ("No schedules yet"). */
  title: string;
  createLabel: string;
  canWrite: boolean;
  /** The list's query for a page (the feature's own hook). */
  useList: (page: number) => UseQueryResult<Page<T>>;
  emptyText: ReactNode;
  /** The create/edit modal. */
  form: ComponentType<ItemFormModalProps<T>>;
  remove?: DeleteSpec;
  /** Buttons before Edit and Delete; given, the actions column shows to readers too. */
  rowActions?: (item: T) => ReactNode;
  actionsWidth?: number;
  /** False where the form only creates. */
  editable?: boolean;
  /** More dialogs the page opens. */
  children?: ReactNode;
}) {
  const [page, setPage] = useState(1);
  const list = useList(page);
  const [editing, setEditing] = useState<T | 'new' | null>(null);
  const [deleting, setDeleting] = useState<T | null>(null);
  const create = canWrite ? <Button onClick={() => setEditing('new')}>{createLabel}</Button> : null;
  const writes = canWrite && (editable || remove !== undefined);
  const actions: Column<T> | null =
    rowActions || writes
      ? {
          header: 'Actions',
          w: actionsWidth,
          cell: (item) => (
            <Group gap={6} wrap="nowrap">
              {rowActions?.(item)}
              {canWrite && editable && (
                <Button size="xs" variant="light" onClick={() => setEditing(item)}>
                  Edit
                </Button>
              )}
              {canWrite && remove && (
                <Button
                  size="xs"
                  variant="subtle"
                  color="red"
                  onClick={() => setDeleting(item)}
                  aria-label={`Delete ${item.name}`}
                >
                  Delete
                </Button>
              )}
            </Group>
          ),
        }
      : null;

  return (
    <>
      <PageHeader title={title} actions={create} />
      <PagedTable
        {...table}
        list={list}
        page={page}
        onPage={setPage}
        rowKey={(item) => item.id}
        loadingLabel={`Loading ${title.toLowerCase()}`}
        columns={actions ? [...table.columns, actions] : table.columns}
        empty={
          <EmptyState title={`No ${title.toLowerCase()} yet`} action={create}>
            {emptyText}
          </EmptyState>
        }
      />
      <Form
        opened={editing !== null}
        item={editing === 'new' ? null : editing}
        onClose={() => setEditing(null)}
      />
      {remove && (
        <ConfirmModal
          opened={deleting !== null}
          title={(remove.title ?? deleteTitle)(deleting?.name ?? '')}
          confirmLabel={remove.confirmLabel}
          loading={remove.mutation.isPending}
          error={remove.mutation.error}
          onClose={() => {
            setDeleting(null);
            remove.mutation.reset();
          }}
          onConfirm={() =>
            deleting &&
            remove.mutation.mutate(deleting.id, {
              onSuccess: () => {
                notifySuccess((remove.done ?? deleted)(deleting.name));
                setDeleting(null);
              },
            })
          }
        >
          {remove.consequence}
        </ConfirmModal>
      )}
      {children}
    </>
  );
}
