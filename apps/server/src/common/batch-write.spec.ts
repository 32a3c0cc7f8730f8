import { QueryFailedError } from 'typeorm';
import { describeDbError, isDataFault, type RejectedRow, writeBatch } from './batch-write';

const dbError = (code: string, message = `error ${code}`) =>
  new QueryFailedError('UPDATE …', ['secret-param'], Object.assign(new Error(message), { code }));

/** A fake statement: fails with `code` whenever a batch holds a value in `bad`. */
function statement(bad: Set<number>, code = '22003') {
  const calls: number[][] = [];
  const write = (items: readonly number[]) => {
    calls.push([...items]);
    if (items.some((i) => bad.has(i))) return Promise.reject(dbError(code));
    return Promise.resolve(items.map((i) => i * 10));
  };
  return { calls, write };
}

describe('writeBatch', () => {
  it('writes a clean batch in one statement', async () => {
    const s = statement(new Set());
    const rejected = jest.fn();
    await expect(writeBatch([1, 2, 3], s.write, rejected)).resolves.toEqual([10, 20, 30]);
    expect(s.calls).toEqual([[1, 2, 3]]);
    expect(rejected).not.toHaveBeenCalled();
  });

  it('falls back to row by row on a data fault, and hands back only the bad rows', async () => {
    const s = statement(new Set([2, 4]));
    const seen: RejectedRow<number>[] = [];
    const out = await writeBatch([1, 2, 3, 4], s.write, (rows) => void seen.push(...rows));
    expect(out).toEqual([10, 30]);
    expect(s.calls).toEqual([[1, 2, 3, 4], [1], [2], [3], [4]]);
    expect(seen.map((r) => r.item)).toEqual([2, 4]);
    expect(seen.every((r) => isDataFault(r.error))).toBe(true);
  });

  it('does not retry a lone row that was refused', async () => {
    const s = statement(new Set([7]));
    const rejected = jest.fn();
    await expect(writeBatch([7], s.write, rejected)).resolves.toEqual([]);
    expect(s.calls).toEqual([[7]]);
    expect(rejected).toHaveBeenCalledWith([{ item: 7, error: expect.any(QueryFailedError) }]);
  });

  it('rethrows what is not about the data, without blaming any row', async () => {
    for (const failure of [dbError('57P01'), dbError('40P01'), new Error('socket closed')]) {
      const rejected = jest.fn();
      await expect(writeBatch([1, 2], () => Promise.reject(failure), rejected)).rejects.toBe(
        failure,
      );
      expect(rejected).not.toHaveBeenCalled();
    }
  });

  it('still reports the rows refused before an outage cut the fallback short', async () => {
    let n = 0;
    const outage = dbError('08006');
    const write = (items: readonly number[]) => {
      n += 1;
      if (items.length > 1 || items[0] === 1) return Promise.reject(dbError('22P02'));
      return Promise.reject(outage);
    };
    const seen: number[] = [];
    await expect(
      writeBatch([1, 2, 3], write, (rows) => void seen.push(...rows.map((r) => r.item))),
    ).rejects.toBe(outage);
    expect(seen).toEqual([1]);
    expect(n).toBe(3);
  });

  it('writes nothing for nothing', async () => {
    const write = jest.fn();
    await expect(writeBatch([], write, jest.fn())).resolves.toEqual([]);
    expect(write).not.toHaveBeenCalled();
  });
});

describe('describeDbError', () => {
  it('keeps the code and a bounded message, never the parameters', () => {
    const d = describeDbError(dbError('22P02', `bad value: ${'x'.repeat(1000)}`));
    expect(d.code).toBe('22P02');
    expect(d.message.length).toBeLessThanOrEqual(300);
    expect(JSON.stringify(d)).not.toContain('secret-param');
  });
});
