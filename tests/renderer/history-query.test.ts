import { ceremonyStates } from '../../shared/ceremony/view';
import { describe, expect, it } from 'vitest';
import { nextActiveIndex } from '../../renderer/src/features/history/keys';
import { maxPageRows } from '../../shared/api/contract';
import { emptyQuery, endOfDay, pageInput, queryProblem, reportFileName, resultCountText, searchFilter, startOfDay } from '../../renderer/src/features/history/query';

describe('report file names', () => {
  it('keeps the core’s name when it is a plain file name with the right extension', () => {
    expect(reportFileName('conclave-history-2025-03.html', 'html', emptyQuery)).toBe('conclave-history-2025-03.html');
  });

  it('never lets a name climb out of the downloads folder', () => {
    expect(reportFileName('../../.bashrc', 'html', emptyQuery)).toBe('bashrc.html');
    expect(reportFileName('C:\\Windows\\evil.json', 'json', emptyQuery)).toBe('evil.json');
  });

  it('gives the file the extension of the format asked for', () => {
    expect(reportFileName('report.json', 'html', emptyQuery)).toBe('report.html');
    expect(reportFileName('report', 'json', emptyQuery)).toBe('report.json');
  });

  it('names the file after the date range when the core gives no usable name', () => {
    expect(reportFileName('', 'html', { from: '2025-01-01', to: '2025-03-31' })).toBe('conclave-history-2025-01-01-to-2025-03-31.html');
    expect(reportFileName('///', 'json', { from: '2025-01-01', to: '' })).toBe('conclave-history-2025-01-01-to-now.json');
    expect(reportFileName('', 'json', { from: '', to: '' })).toBe('conclave-history-all.json');
  });
});

describe('search filters', () => {
  it('leaves out what is not set, and trims the text', () => {
    expect(searchFilter(emptyQuery)).toEqual({});
    expect(searchFilter({ ...emptyQuery, text: '  alice ' })).toEqual({ text: 'alice' });
  });

  it('treats every state ticked like none', () => {
    expect(searchFilter({ ...emptyQuery, states: [...ceremonyStates] })).toEqual({});
  });

  it('a day range covers both whole days', () => {
    const from = Date.parse(startOfDay('2025-03-01')!);
    const to = Date.parse(endOfDay('2025-03-01')!);
    expect(to - from).toBe(24 * 3_600_000 - 1);
    expect(new Date(from).getHours()).toBe(0);
    expect(startOfDay('')).toBeUndefined();
    expect(startOfDay('2025-3-1')).toBeUndefined();
  });

  it('explains a query that cannot be run', () => {
    expect(queryProblem({ ...emptyQuery, from: '2025-03-02', to: '2025-03-01' })).toMatch(/after/);
    expect(queryProblem({ ...emptyQuery, from: 'yesterday' })).toMatch(/not a date/);
    expect(queryProblem({ ...emptyQuery, from: '2025-03-01', to: '2025-03-01' })).toBeUndefined();
  });
});

describe('page requests', () => {
  it('asks the first page without a cursor, the next ones with the core’s cursor, never more than a page holds', () => {
    const query = { ...emptyQuery, text: ' ledger ' };
    expect(pageInput(query)).toEqual({ text: 'ledger', limit: maxPageRows });
    expect(pageInput(query, 'next')).toEqual({ text: 'ledger', cursor: 'next', limit: maxPageRows });
  });
});
describe('keyboard in the results list', () => {
  it('moves by one, by a page, and to either end, never past them', () => {
    expect(nextActiveIndex('ArrowDown', 0, 10_000, 9)).toBe(1);
    expect(nextActiveIndex('ArrowUp', 0, 10_000, 9)).toBe(0);
    expect(nextActiveIndex('PageDown', 9_995, 10_000, 9)).toBe(9_999);
    expect(nextActiveIndex('PageUp', 5, 10_000, 9)).toBe(0);
    expect(nextActiveIndex('End', 0, 10_000, 9)).toBe(9_999);
    expect(nextActiveIndex('Home', 500, 10_000, 9)).toBe(0);
    expect(nextActiveIndex('a', 5, 10_000, 9)).toBeUndefined();
    expect(nextActiveIndex('ArrowDown', 0, 0, 9)).toBeUndefined();
  });
});

describe('the result count', () => {
  it('is a sentence with a grouped number', () => {
    expect(resultCountText(10_000)).toBe('10,000 ceremonies found.');
    expect(resultCountText(1)).toBe('1 ceremony found.');
    expect(resultCountText(0)).toBe('No ceremonies found.');
  });
});
