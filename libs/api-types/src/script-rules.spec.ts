import {
  defaultProblem,
  MAX_ENUM_OPTIONS,
  MAX_PARAM_VALUE_BYTES,
  MAX_PARAMETERS,
  PARAM_NAME_MAX_LENGTH,
  optionsProblem,
  parameterProblems,
  paramNameProblem,
  RESERVED_PARAM_NAMES,
  RESERVED_PARAM_PREFIXES,
  reservedNameProblem,
  stringValueProblem,
  utf8Bytes,
} from './script-rules';

const param = (over: Record<string, unknown> = {}) => ({
  name: 'SERVICE',
  type: 'string',
  required: false,
  secret: false,
  ...over,
});
const fields = (params: unknown) => parameterProblems(params).map((p) => p.field);

describe('parameter names', () => {
  it.each(['A', 'SERVICE', 'MAX_RETRIES_2', 'A'.repeat(PARAM_NAME_MAX_LENGTH)])(
    'accepts %s',
    (name) => {
      expect(paramNameProblem(name)).toBeNull();
    },
  );

  it.each([
    '',
    'service',
    '1ABC',
    'A-B',
    'A B',
    'A'.repeat(PARAM_NAME_MAX_LENGTH + 1),
    42,
    undefined,
  ])('refuses %p as malformed', (name) => {
    expect(paramNameProblem(name)).toMatch(/upper-case letters/);
  });

  it('refuses every reserved name and prefix, naming it', () => {
    for (const name of RESERVED_PARAM_NAMES)
      expect(reservedNameProblem(name)).toContain(`${name} is reserved`);
    for (const prefix of RESERVED_PARAM_PREFIXES)
      expect(paramNameProblem(`${prefix}X`)).toContain(`starting with ${prefix}`);
  });

  it('allows names that only contain a reserved word', () => {
    expect(reservedNameProblem('MY_PATH')).toBeNull();
    expect(reservedNameProblem('TEMPLATE')).toBeNull();
  });
});

describe('values and defaults', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['é', 2],
    ['€', 3],
    ['😀', 4],
    ['a€😀é', 10],
    // A lone surrogate is encoded as U+FFFD, three bytes.
    ['\ud800', 3],
  ])('counts %p as %i UTF-8 bytes', (text, bytes) => {
    expect(utf8Bytes(text)).toBe(bytes);
  });

  it('bounds string values by bytes and refuses NUL', () => {
    expect(stringValueProblem('x'.repeat(MAX_PARAM_VALUE_BYTES))).toBeNull();
    expect(stringValueProblem('x'.repeat(MAX_PARAM_VALUE_BYTES + 1))).toMatch(/at most/);
    expect(stringValueProblem('€'.repeat(MAX_PARAM_VALUE_BYTES / 3 + 1))).toMatch(/at most/);
    expect(stringValueProblem('a\u0000b')).toMatch(/NUL/);
  });

  it('checks a default against its type', () => {
    expect(defaultProblem({ type: 'number', default: 3 })).toBeNull();
    expect(defaultProblem({ type: 'number', default: Infinity })).toMatch(/finite number/);
    expect(defaultProblem({ type: 'boolean', default: 'true' })).toMatch(/true or false/);
    expect(defaultProblem({ type: 'string', default: 1 })).toMatch(/must be a string/);
    expect(defaultProblem({ type: 'enum', options: ['a', 'b'], default: 'b' })).toBeNull();
    expect(defaultProblem({ type: 'enum', options: ['a'], default: 'c' })).toMatch(/one of/);
    expect(defaultProblem({ type: 'string', required: true, default: 'x' })).toMatch(/required/);
    expect(defaultProblem({ type: 'string', required: true, default: null })).toBeNull();
  });

  it('takes options only for enums, 1 to the limit, unique and non-empty', () => {
    expect(optionsProblem({ type: 'string' })).toBeNull();
    expect(optionsProblem({ type: 'string', options: ['a'] })).toMatch(/only enum/);
    expect(optionsProblem({ type: 'enum', options: [] })).toMatch(/1 to/);
    expect(
      optionsProblem({
        type: 'enum',
        options: Array.from({ length: MAX_ENUM_OPTIONS + 1 }, String),
      }),
    ).toMatch(/1 to/);
    expect(optionsProblem({ type: 'enum', options: ['a', ''] })).toMatch(/non-empty/);
    expect(optionsProblem({ type: 'enum', options: ['a', 'a'] })).toMatch(/unique/);
    expect(optionsProblem({ type: 'enum', options: ['a', 'b'] })).toBeNull();
  });
});

describe('parameterProblems', () => {
  it('accepts a well-formed list', () => {
    expect(
      parameterProblems([
        param(),
        param({ name: 'COUNT', type: 'number', default: 2 }),
        param({ name: 'MODE', type: 'enum', options: ['fast', 'safe'], default: 'safe' }),
        param({ name: 'TOKEN', secret: true, required: true, description: 'API token' }),
      ]),
    ).toEqual([]);
  });

  it('names the field of each problem', () => {
    expect(fields('nope')).toEqual(['parameters']);
    expect(fields([null])).toEqual(['parameters.0']);
    expect(
      fields([
        param({ name: 'PATH' }),
        param({ name: 'B', type: 'date' }),
        param({ name: 'C', required: 'yes', secret: 1 }),
        param({ name: 'D', extra: true, description: 'x'.repeat(501) }),
      ]),
    ).toEqual([
      'parameters.0.name',
      'parameters.1.type',
      'parameters.2.required',
      'parameters.2.secret',
      'parameters.3.extra',
      'parameters.3.description',
    ]);
  });

  it('refuses a repeated name once, and too many parameters', () => {
    expect(parameterProblems([param(), param(), param()])).toEqual([
      { field: 'parameters', reason: 'parameter name SERVICE is used more than once' },
    ]);
    const many = Array.from({ length: MAX_PARAMETERS + 1 }, (_, i) => param({ name: `P${i}` }));
    expect(fields(many)).toEqual(['parameters']);
  });
});
