import { describe, expect, it } from 'vitest';
import { csvRecords, parseCsv } from './csv.js';

describe('parseCsv', () => {
  it('splits plain rows on commas and LF, CRLF or CR line ends', () => {
    expect(parseCsv('a,b\n1,2\r\n3,4\r5,6')).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
      ['5', '6'],
    ]);
  });

  it('keeps commas, doubled quotes and newlines inside quoted fields', () => {
    const text = 'file,note\n"a.jpg","said ""hi"", then left"\n"b.jpg","line one\nline two"\n';
    expect(parseCsv(text)).toEqual([
      ['file', 'note'],
      ['a.jpg', 'said "hi", then left'],
      ['b.jpg', 'line one\nline two'],
    ]);
  });

  it('keeps a CRLF inside quotes as it is', () => {
    expect(parseCsv('x\r\n"1\r\n2"\r\n')).toEqual([['x'], ['1\r\n2']]);
  });

  it('drops a UTF-8 byte order mark, so the first header is "file", not "\\uFEFFfile"', () => {
    expect(parseCsv('\uFEFFfile,gender\na.jpg,F')).toEqual([
      ['file', 'gender'],
      ['a.jpg', 'F'],
    ]);
  });

  it('keeps empty fields and a final row without a newline, and skips blank lines', () => {
    expect(parseCsv('a,b,c\n1,,3\n\n,,\n4,5,""')).toEqual([
      ['a', 'b', 'c'],
      ['1', '', '3'],
      ['', '', ''],
      ['4', '5', ''],
    ]);
  });

  it('treats a quote in the middle of a field as a character', () => {
    expect(parseCsv('a,5" tall\n')).toEqual([['a', '5" tall']]);
  });
});

describe('csvRecords', () => {
  it('keys rows by the trimmed header; missing cells are empty', () => {
    expect(csvRecords('\uFEFF file , gender ,age\na.jpg, F ,40\nb.jpg,M\n')).toEqual([
      { file: 'a.jpg', gender: 'F', age: '40' },
      { file: 'b.jpg', gender: 'M', age: '' },
    ]);
  });

  it('returns no records for an empty text or a header alone', () => {
    expect(csvRecords('')).toEqual([]);
    expect(csvRecords('file,gender\n')).toEqual([]);
  });
});
