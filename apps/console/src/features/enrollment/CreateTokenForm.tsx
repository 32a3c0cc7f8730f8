import {
  Button,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  TagsInput,
  TextInput,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  type CreatedEnrollmentTokenResponse,
  type CreateEnrollmentTokenRequest,
  ENROLLMENT_TOKEN_LIMITS,
  NAME_MAX_LENGTH,
} from '@fleetdesk/api-types';
import { useState } from 'react';
import { ApiError, post } from '../../api/client';
import { notifyError } from '../../lib/notify';
import { fetchGroups, fetchTags, groupsKey, tagsKey } from '../devices/api';
import { normalizeTag, tagProblem } from '@fleetdesk/api-types';

export const enrollmentTokensKey = ['enrollment-tokens'] as const;

const USES = ENROLLMENT_TOKEN_LIMITS.maxUses;
const RATE = ENROLLMENT_TOKEN_LIMITS.ratePerMinute;

const EXPIRY_OPTIONS = [
  { value: '1', label: '1 hour' },
  { value: '8', label: '8 hours' },
  { value: '24', label: '24 hours' },
  { value: '168', label: '7 days' },
  { value: '720', label: '30 days' },
  { value: '8760', label: '1 year' },
];

type Field = 'name' | 'maxUses' | 'ratePerMinute' | 'expiresInHours' | 'tags' | 'groupId';

/** Creates an enrollment token; the parent shows its secret, which the server returns this once. */
export function CreateTokenForm({
  onCreated,
}: {
  onCreated: (t: CreatedEnrollmentTokenResponse) => void;
}) {
  const client = useQueryClient();
  const groups = useQuery({ queryKey: groupsKey, queryFn: fetchGroups, staleTime: 60_000 });
  const tags = useQuery({ queryKey: tagsKey, queryFn: fetchTags, staleTime: 60_000 });
  const [name, setName] = useState('');
  const [maxUses, setMaxUses] = useState<string | number>('');
  const [rate, setRate] = useState<string | number>(RATE.default);
  const [expires, setExpires] = useState<string>('24');
  const [tagList, setTagList] = useState<string[]>([]);
  const [groupId, setGroupId] = useState<string | null>(null);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});

  const normalizedTags = [...new Set(tagList.map(normalizeTag).filter(Boolean))];
  const tagError = normalizedTags.map(tagProblem).find((p) => p !== null) ?? errors.tags;

  const create = useMutation({
    mutationFn: (body: CreateEnrollmentTokenRequest) =>
      post<CreatedEnrollmentTokenResponse>('/enrollment-tokens', body),
    onSuccess: (token) => {
      void client.invalidateQueries({ queryKey: enrollmentTokensKey });
      setName('');
      setMaxUses('');
      setRate(RATE.default);
      setTagList([]);
      setGroupId(null);
      setErrors({});
      onCreated(token);
    },
    onError: (e) => {
      if (e instanceof ApiError && e.fieldErrors.length > 0) {
        const next: Partial<Record<Field, string>> = {};
        for (const f of e.fieldErrors) {
          const field = f.field.split('.')[0] as Field;
          next[field] = f.reason;
        }
        setErrors(next);
      }
      notifyError(e, 'Could not create the token');
    },
  });

  const submit = () => {
    const next: Partial<Record<Field, string>> = {};
    if (!name.trim()) next.name = 'Give the token a name, e.g. the site or batch of devices';
    if (
      maxUses !== '' &&
      (typeof maxUses !== 'number' || maxUses < USES.min || maxUses > USES.max)
    ) {
      next.maxUses = `From ${USES.min} to ${USES.max.toLocaleString('en')}, or empty for unlimited`;
    }
    if (typeof rate !== 'number' || rate < RATE.min || rate > RATE.max) {
      next.ratePerMinute = `From ${RATE.min} to ${RATE.max.toLocaleString('en')} a minute`;
    }
    setErrors(next);
    if (Object.keys(next).length > 0 || tagError) return;
    create.mutate({
      name: name.trim(),
      expiresInHours: Number(expires),
      ...(typeof maxUses === 'number' ? { maxUses } : {}),
      ...(typeof rate === 'number' ? { ratePerMinute: rate } : {}),
      ...(normalizedTags.length ? { tags: normalizedTags } : {}),
      ...(groupId ? { groupId } : {}),
    });
  };

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
      noValidate
    >
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, md: 4 }} spacing="sm">
          <TextInput
            label="Name"
            description="What the token is for"
            placeholder="e.g. Paris office laptops"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
            maxLength={NAME_MAX_LENGTH}
            required
          />
          <NumberInput
            label="Maximum uses"
            description="Devices that may enroll with it; empty for unlimited"
            placeholder="Unlimited"
            value={maxUses}
            onChange={setMaxUses}
            error={errors.maxUses}
            min={USES.min}
            max={USES.max}
            allowDecimal={false}
            allowNegative={false}
          />
          <NumberInput
            label="Enrollments per minute"
            description="More wait and retry; a site's burst fits the default"
            value={rate}
            onChange={setRate}
            error={errors.ratePerMinute}
            min={RATE.min}
            max={RATE.max}
            allowDecimal={false}
            allowNegative={false}
            thousandSeparator=","
          />
          <Select
            label="Expires after"
            description="It stops working then, used or not"
            data={EXPIRY_OPTIONS}
            value={expires}
            onChange={(v) => v && setExpires(v)}
            error={errors.expiresInHours}
            allowDeselect={false}
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm">
          <TagsInput
            label="Tags for enrolled devices"
            description="Optional; press Enter after each tag"
            placeholder="e.g. laptop, site:paris"
            data={(tags.data ?? []).map((t) => t.name)}
            value={tagList}
            onChange={setTagList}
            error={tagError}
            splitChars={[',', ' ']}
            openOnFocus={false}
            maxTags={50}
          />
          <Select
            label="Group for enrolled devices"
            description="Optional"
            placeholder={groups.isError ? 'Groups could not be loaded' : 'No group'}
            data={(groups.data ?? []).map((g) => ({ value: g.id, label: g.name }))}
            value={groupId}
            onChange={setGroupId}
            error={errors.groupId}
            searchable
            clearable
          />
        </SimpleGrid>
        <Group>
          <Button type="submit" loading={create.isPending}>
            Create token
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
