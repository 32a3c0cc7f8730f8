import {
  SCRIPT_NAME_MAX_LENGTH,
  type ScriptLanguage,
  type ScriptResponse,
  type ScriptVersionResponse,
  type UpdateScriptResponse,
} from '@fleetdesk/api-types';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Grid,
  Group,
  Loader,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  Textarea,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { useHotkeys, useWindowEvent } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';
import { ApiError, del, errorMessage, patch, post } from '../../api/client';
import { useCan } from '../../auth/auth';
import { ErrorAlert, PageHeader } from '../../components/common';
import { ConfirmModal } from '../../components/ConfirmModal';
import { formatDateTime } from '../../lib/format';
import { notifyError, notifySuccess } from '../../lib/notify';
import { RunScriptModal } from '../jobs/RunScriptModal';
import { scriptKeys, useScript } from './api';
import { CodeEditor } from './CodeEditor';
import {
  blankForm,
  type FormErrors,
  formFromScript,
  formHasErrors,
  formToRequest,
  formWithVersion,
  isStarterBody,
  MAX_TAGS,
  MAX_TIMEOUT,
  mergeErrors,
  MIN_TIMEOUT,
  type ScriptForm,
  serverErrorsToForm,
  starterBody,
  validateForm,
} from './form';
import { LANGUAGES } from './languages';
import { ParametersEditor, ParametersTable } from './ParametersEditor';
import { VersionModal, VersionsList } from './VersionsPanel';

/** What "Duplicate" hands to /scripts/new through the router state. */
interface DuplicateState {
  duplicate?: ScriptForm;
}

function DetailsCard({ script }: { script: ScriptResponse }) {
  return (
    <Card withBorder padding="sm">
      <Title order={4} size="h5" mb="xs">
        Details
      </Title>
      <Stack gap={4}>
        <Text size="sm">
          Current version: <b>v{script.currentVersion}</b>
        </Text>
        <Text size="sm">Created {formatDateTime(script.createdAt)}</Text>
        <Text size="sm">Updated {formatDateTime(script.updatedAt)}</Text>
        {script.archivedAt && (
          <Text size="sm" c="red">
            Archived {formatDateTime(script.archivedAt)}
          </Text>
        )}
        <Text size="xs" c="dimmed" mt={4}>
          SHA-256 of the current body (agents check it before running):
        </Text>
        <Code block style={{ overflowWrap: 'anywhere', whiteSpace: 'normal' }}>
          {script.sha256}
        </Code>
      </Stack>
    </Card>
  );
}

function DeleteScriptModal({
  script,
  opened,
  onClose,
}: {
  script: ScriptResponse;
  opened: boolean;
  onClose: () => void;
}) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const remove = useMutation({
    mutationFn: () => del(`/scripts/${script.id}`),
    onSuccess: async () => {
      notifySuccess(`Deleted “${script.name}”`);
      await client.invalidateQueries({ queryKey: scriptKeys.all });
      void navigate('/scripts');
    },
    onError: (e) => notifyError(e, 'Could not delete the script'),
  });
  return (
    <ConfirmModal
      opened={opened}
      onClose={onClose}
      title="Delete script?"
      confirmLabel="Yes, delete script"
      cancelLabel="Keep it"
      loading={remove.isPending}
      error={remove.error}
      onConfirm={() => remove.mutate()}
    >
      <Text size="sm">
        “{script.name}” leaves the library and can no longer be run. Jobs that already ran it keep
        their record, and its versions stay readable from those jobs.
      </Text>
    </ConfirmModal>
  );
}

/**
 * The form itself. Mounted afresh (by key) whenever the saved script changes, so its state
 * always starts from what the server holds.
 */
function ScriptEditor({ script, initial }: { script: ScriptResponse | null; initial: ScriptForm }) {
  const canWrite = useCan('technician');
  const client = useQueryClient();
  const navigate = useNavigate();
  const [form, setForm] = useState<ScriptForm>(initial);
  const [attempted, setAttempted] = useState(false);
  const [serverErrors, setServerErrors] = useState<FormErrors | null>(null);
  const [viewing, setViewing] = useState<number | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [running, setRunning] = useState(false);

  const builtin = script?.builtin ?? false;
  const archived = Boolean(script?.archivedAt);
  const editable = canWrite && !builtin && !archived;

  const baseline = useMemo(() => JSON.stringify(formToRequest(initial)), [initial]);
  const dirty = JSON.stringify(formToRequest(form)) !== baseline;
  const clientErrors = useMemo(() => validateForm(form), [form]);
  const errors = mergeErrors(clientErrors, serverErrors);
  const shown = attempted ? errors : mergeErrors({ fields: {}, params: [] }, serverErrors);
  // Before the first save attempt only say what is wrong with what was typed, not what is missing.
  const paramErrors = form.params.map((p, i) => {
    const e = { ...(errors.params[i] ?? {}) };
    if (!attempted && p.name === '') delete e.name;
    return e;
  });

  const change = (patchForm: Partial<ScriptForm>) => {
    setForm((f) => ({ ...f, ...patchForm }));
    setServerErrors(null);
  };

  const save = useMutation({
    mutationFn: (
      body: ReturnType<typeof formToRequest>,
    ): Promise<ScriptResponse & Partial<UpdateScriptResponse>> =>
      script
        ? patch<UpdateScriptResponse>(`/scripts/${script.id}`, body)
        : post<ScriptResponse>('/scripts', body),
    onSuccess: (saved) => {
      void client.invalidateQueries({ queryKey: ['scripts', 'list'] });
      client.setQueryData(scriptKeys.detail(saved.id), saved);
      if (!script) {
        notifySuccess(`Created “${saved.name}” (version 1)`);
        void navigate(`/scripts/${saved.id}`, { replace: true });
      } else if (saved.currentVersion > script.currentVersion) {
        const dropped = saved.droppedSecretDefaults ?? [];
        notifySuccess(
          dropped.length > 0
            ? `Saved as version ${saved.currentVersion}. Secret defaults not kept (enter them again): ${dropped.join(', ')}`
            : `Saved as version ${saved.currentVersion}`,
        );
      } else {
        notifySuccess(
          `Saved; the content did not change, so it is still version ${saved.currentVersion}`,
        );
      }
    },
    onError: (e) => {
      if (e instanceof ApiError && e.fieldErrors.length > 0)
        setServerErrors(serverErrorsToForm(e.fieldErrors, form.params.length));
      notifyError(e, 'Could not save the script');
    },
  });

  const submit = () => {
    setAttempted(true);
    if (!editable) return;
    if (formHasErrors(clientErrors)) {
      notifyError(new Error('Fix the highlighted fields first.'), 'Nothing was saved');
      return;
    }
    save.mutate(formToRequest(form));
  };

  useHotkeys([['mod+S', () => (dirty || !script) && editable && submit()]], [], true);
  useWindowEvent('beforeunload', (e) => {
    if (dirty && !save.isSuccess) e.preventDefault();
  });

  const restore = (v: ScriptVersionResponse) => {
    change(formWithVersion(form, v));
    setViewing(null);
    notifySuccess(
      `Version ${v.version} is in the editor. Save to make it the current version (it becomes a new version).`,
    );
  };

  const duplicate = () => {
    const copy: ScriptForm = {
      ...form,
      name: `${form.name} (copy)`.slice(0, SCRIPT_NAME_MAX_LENGTH),
      // A secret default is never shown, so a copy cannot carry it.
      params: form.params.map((p) => ({ ...p, keepsSecretDefault: false, storedName: null })),
    };
    void navigate('/scripts/new', { state: { duplicate: copy } satisfies DuplicateState });
  };

  const setLanguage = (language: ScriptLanguage) =>
    change({ language, body: isStarterBody(form.body) ? starterBody(language) : form.body });

  const title = script ? script.name : 'New script';
  const ro = !editable;
  const roProps = ro ? { readOnly: true, variant: 'filled' as const } : {};
  const readOnlyReason = !script
    ? null
    : builtin
      ? 'builtin'
      : archived
        ? 'archived'
        : !canWrite
          ? 'viewer'
          : null;

  return (
    <>
      <PageHeader
        title={
          <Group gap="sm" component="span">
            <span>{title}</span>
            {builtin && (
              <Badge variant="outline" color="gray" style={{ textTransform: 'none' }}>
                Built-in
              </Badge>
            )}
            {archived && (
              <Badge variant="light" color="red" style={{ textTransform: 'none' }}>
                Archived
              </Badge>
            )}
            {script && dirty && editable && (
              <Badge variant="light" color="yellow" style={{ textTransform: 'none' }}>
                Unsaved changes
              </Badge>
            )}
          </Group>
        }
        actions={
          <>
            {script && canWrite && !archived && (
              <Tooltip
                label={
                  dirty
                    ? `Runs the saved version v${script.currentVersion}, not your unsaved changes`
                    : `Run version v${script.currentVersion} on devices`
                }
              >
                <Button variant="light" onClick={() => setRunning(true)}>
                  Run…
                </Button>
              </Tooltip>
            )}
            {script && canWrite && (
              <Button variant="default" onClick={duplicate}>
                Duplicate
              </Button>
            )}
            {script && editable && (
              <Button variant="outline" color="red" onClick={() => setDeleting(true)}>
                Delete
              </Button>
            )}
            {editable && (
              <Button
                onClick={submit}
                loading={save.isPending}
                disabled={script !== null && !dirty}
              >
                {script ? 'Save' : 'Create script'}
              </Button>
            )}
          </>
        }
      />

      {readOnlyReason === 'builtin' && (
        <Alert color="gray" mb="md" title="Built-in script: read-only">
          It ships with Fleetdesk and cannot be edited or deleted.
          {canWrite && ' Use Duplicate to make your own editable copy.'}
        </Alert>
      )}
      {readOnlyReason === 'archived' && (
        <Alert color="red" mb="md" title="Archived script">
          It was deleted from the library: it can be read, but not edited or run.
        </Alert>
      )}
      {readOnlyReason === 'viewer' && (
        <Alert color="blue" mb="md" title="Read-only">
          Your role (viewer) can read scripts but not change or run them.
        </Alert>
      )}
      {!canWrite && !script && (
        <Alert color="blue" mb="md" title="Read-only">
          Your role (viewer) cannot create scripts.
        </Alert>
      )}
      {serverErrors === null && save.isError && (
        <Alert color="red" mb="md" role="alert" title="Not saved">
          {errorMessage(save.error)}
        </Alert>
      )}

      <Grid gap="md">
        <Grid.Col span={{ base: 12, lg: script ? 9 : 12 }}>
          <Stack gap="md">
            <Card withBorder padding="md">
              <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md" verticalSpacing="sm">
                <TextInput
                  label="Script name"
                  required={!ro}
                  value={form.name}
                  onChange={(e) => change({ name: e.currentTarget.value })}
                  error={shown.fields.name}
                  {...roProps}
                  maxLength={SCRIPT_NAME_MAX_LENGTH}
                />
                <Group grow align="flex-start">
                  <Select
                    label="Language"
                    data={LANGUAGES}
                    value={form.language}
                    allowDeselect={false}
                    onChange={(v) => v && setLanguage(v)}
                    error={shown.fields.language}
                    {...roProps}
                  />
                  <NumberInput
                    label="Default timeout (seconds)"
                    description={ro ? undefined : 'Runs are stopped after this'}
                    min={MIN_TIMEOUT}
                    max={MAX_TIMEOUT}
                    allowDecimal={false}
                    value={form.timeout}
                    onChange={(v) => change({ timeout: v })}
                    error={shown.fields.timeout}
                    {...roProps}
                  />
                </Group>
                <Textarea
                  label="Description"
                  description={ro ? undefined : 'What it does and when to use it'}
                  autosize
                  minRows={1}
                  maxRows={4}
                  value={form.description}
                  onChange={(e) => change({ description: e.currentTarget.value })}
                  error={shown.fields.description}
                  {...roProps}
                />
                <TagsInput
                  label="Tags"
                  description={ro ? undefined : 'Lowercase; press Enter after each'}
                  value={form.tags}
                  onChange={(tags) => change({ tags: tags.map((t) => t.trim().toLowerCase()) })}
                  maxTags={MAX_TAGS}
                  error={shown.fields.tags}
                  {...roProps}
                  splitChars={[',', ' ']}
                />
              </SimpleGrid>
            </Card>

            <div>
              <Group justify="space-between" mb={6}>
                <Title order={3} size="h4">
                  Script
                </Title>
                {editable && (
                  <Text size="xs" c="dimmed">
                    {script
                      ? `Saving a change to the script, language, parameters or timeout creates version ${script.currentVersion + 1}. Ctrl+S saves.`
                      : 'Ctrl+S saves.'}
                  </Text>
                )}
              </Group>
              <CodeEditor
                value={form.body}
                onChange={(body) => change({ body })}
                language={form.language}
                readOnly={ro}
                label="Script body"
              />
              {shown.fields.body && (
                <Text size="sm" c="red" mt={4} role="alert">
                  {shown.fields.body}
                </Text>
              )}
            </div>

            <div>
              <Title order={3} size="h4" mb={6}>
                Parameters
              </Title>
              {!ro ? (
                <ParametersEditor
                  value={form.params}
                  onChange={(params) => change({ params })}
                  errors={paramErrors}
                />
              ) : (
                <ParametersTable params={form.params} />
              )}
            </div>
          </Stack>
        </Grid.Col>
        {script && (
          <Grid.Col span={{ base: 12, lg: 3 }}>
            <Stack gap="md">
              <VersionsList script={script} onOpen={setViewing} />
              <DetailsCard script={script} />
            </Stack>
          </Grid.Col>
        )}
      </Grid>

      {script && (
        <>
          <VersionModal
            scriptId={script.id}
            version={viewing}
            onClose={() => setViewing(null)}
            onRestore={editable ? restore : undefined}
          />
          <DeleteScriptModal script={script} opened={deleting} onClose={() => setDeleting(false)} />
          {canWrite && !archived && (
            <RunScriptModal
              opened={running}
              onClose={() => setRunning(false)}
              initialScriptId={script.id}
            />
          )}
        </>
      )}
    </>
  );
}

/** /scripts/new and /scripts/:id: write a script, or read and edit one with its history. */
export function ScriptEditorPage() {
  const { id } = useParams();
  const location = useLocation();
  const query = useScript(id);

  if (!id) {
    const duplicate = (location.state as DuplicateState | null)?.duplicate;
    return <ScriptEditor key={location.key} script={null} initial={duplicate ?? blankForm()} />;
  }
  if (query.isPending) return <Loader aria-label="Loading script" />;
  if (query.isError)
    return (
      <Stack>
        <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />
        <Anchor component={Link} to="/scripts">
          Back to the script library
        </Anchor>
      </Stack>
    );
  const s = query.data;
  return (
    <ScriptEditor
      key={`${s.id}:${s.currentVersion}:${s.updatedAt}:${s.archivedAt ?? ''}`}
      script={s}
      initial={formFromScript(s)}
    />
  );
}
