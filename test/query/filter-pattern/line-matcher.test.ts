import { describe, expect, it } from 'vitest';
import { compileLineMatcher, splitEventFields } from '../../../src/query/filter-pattern/index.js';

const matching = (pattern: string, lines: readonly string[]): string[] => {
  const matcher = compileLineMatcher(pattern);
  return lines.filter((line) => matcher.test(line));
};

// The FPS examples (cloudwatch-syntax.md §1.2).
const ERRORS = [
  '[ERROR 400] BAD REQUEST',
  '[ERROR 401] UNAUTHORIZED REQUEST',
  '[ERROR 419] MISSING ARGUMENTS',
  '[ERROR 420] INVALID ARGUMENTS',
];
const FPS19 = ['ERROR WARN message', 'ERROR message', 'WARN message'];

describe('compileLineMatcher: term patterns', () => {
  it.each([
    ['ERROR', ERRORS, ERRORS],
    ['ERROR ARGUMENTS', ERRORS, ERRORS.slice(2)],
    [
      '?ERROR ?ARGUMENTS',
      [...ERRORS, '[INFO] INVALID ARGUMENTS PROVIDED', '[INFO] OK'],
      [...ERRORS, '[INFO] INVALID ARGUMENTS PROVIDED'],
    ],
    [
      '?ERROR ?ARGUMENTS REQUEST',
      [
        '[INFO] REQUEST FAILED',
        '[WARN] UNAUTHORIZED REQUEST',
        '[ERROR] 400 BAD REQUEST',
        '[ERROR] 419 MISSING',
      ],
      ['[INFO] REQUEST FAILED', '[WARN] UNAUTHORIZED REQUEST', '[ERROR] 400 BAD REQUEST'],
    ],
    [
      '"INTERNAL SERVER ERROR"',
      ['[ERROR 500] INTERNAL SERVER ERROR', 'INTERNAL  SERVER ERROR'],
      ['[ERROR 500] INTERNAL SERVER ERROR'],
    ],
    ['ERROR -ARGUMENTS', ERRORS, ERRORS.slice(0, 2)],
    [
      'ERROR Exception',
      ['[ERROR] Caught IllegalArgumentException', '[ERROR] Unhandled Exception', '[ERROR] exception'],
      ['[ERROR] Caught IllegalArgumentException', '[ERROR] Unhandled Exception'],
    ],
    [
      'Failed to process the request',
      [
        '[WARN] Failed to process the request',
        '[ERROR] Unable to continue: Failed to process the request',
        'Failed',
      ],
      ['[WARN] Failed to process the request', '[ERROR] Unable to continue: Failed to process the request'],
    ],
    ['"Cloud watch"', ['Cloud watch', 'Cloud logs watch'], ['Cloud watch']],
    ['ERROR', FPS19, FPS19.slice(0, 2)],
    ['?ERROR ?WARN', FPS19, FPS19],
    ['ERROR WARN', FPS19, FPS19.slice(0, 1)],
    ['ERROR -WARN', FPS19, FPS19.slice(1, 2)],
    ['-ERROR', ['[ERROR] 400 BAD REQUEST', '[INFO] 200 OK'], ['[INFO] 200 OK']],
    ['" "', ['a b', 'single'], ['a b', 'single']],
    ['', ['anything', ''], ['anything', '']],
    ['error', ['[ERROR] x'], []],
  ])('%j selects the documented events', (pattern, lines, expected) => {
    expect(matching(pattern, lines)).toEqual(expected);
  });

  it('extracts nothing from term patterns', () => {
    expect(compileLineMatcher('ERROR').match('[ERROR] x')).toEqual({});
    expect(compileLineMatcher('ERROR').match('[INFO] x')).toBeNull();
  });
});

describe('compileLineMatcher: regex patterns (FPS examples)', () => {
  it.each([
    [
      '%AUTHORIZED%',
      ['[ERROR 401] UNAUTHORIZED REQUEST', '[SUCCESS 200] AUTHORIZED REQUEST', 'authorized'],
      ['[ERROR 401] UNAUTHORIZED REQUEST', '[SUCCESS 200] AUTHORIZED REQUEST'],
    ],
    ['%^[hc]at%', ['hat trick', 'cat', 'that'], ['hat trick', 'cat']],
    ['%[hc]at$%', ['a hat', 'cat', 'hats'], ['a hat', 'cat']],
    ['%colou?r%', ['color', 'colour', 'colr'], ['color', 'colour']],
    ['%a{3,5}%', ['aa', 'aaa', 'baaaab'], ['aaa', 'baaaab']],
    ['%a{,2}b%', ['b', 'ab'], ['b', 'ab']],
    [
      '%^starting|^initializing|^shutting down%',
      ['starting x', 'initializing y', 'shutting down', 'skipping initializing z'],
      ['starting x', 'initializing y', 'shutting down'],
    ],
    ['%\\[.\\]%', ['[a]', '[7]', '[@]', '[]]', '[ ]', '[]'], ['[a]', '[7]', '[@]', '[]]', '[ ]']],
    ['%10\\.10\\.0\\.1%', ['10.10.0.1', '10010,051'], ['10.10.0.1']],
    ['%10.10.0.1%', ['10.10.0.1', '10010,051'], ['10.10.0.1', '10010,051']],
    ['%ab+c%', ['ac', 'abc', 'abbc'], ['abc', 'abbc']],
    ['%ab[0-9]*%', ['ab', 'ab0', 'ab129', 'a'], ['ab', 'ab0', 'ab129']],
    ['%.at%', ['hat', '#at', ' at', 'at'], ['hat', '#at', ' at']],
    ['%\\x3A%', ['a:b', 'ab'], ['a:b']],
    ['%[]a]%', [']', 'a', 'b'], [']', 'a']],
  ])('%j searches the event', (pattern, lines, expected) => {
    expect(matching(pattern, lines)).toEqual(expected);
  });
});

const APACHE = '127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534';
const SERVICE = [
  'INFO 09/25/2014 12:00:00 GET /service/resource/67 1200',
  'INFO 09/25/2014 12:00:01 POST /service/resource/67/part/111 1310',
  'WARNING 09/25/2014 12:00:02 Invalid user request',
  'ERROR 09/25/2014 12:00:02 Failed to process request',
];
const SSH =
  '[version, account, eni, source, destination, srcport, destport="22", protocol="6", packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]';
const LAB = [
  '2 086112738802 eni-0d5d75b41f9befe9e 61.177.172.128 172.31.83.158 39611 22 6 1 40 1563108188 1563108227 REJECT OK',
  '2 086112738802 eni-0d5d75b41f9befe9e 182.68.238.8 172.31.83.158 42227 22 6 1 44 1563109030 1563109067 REJECT OK',
  '2 086112738802 eni-0d5d75b41f9befe9e 42.171.23.181 172.31.83.158 52417 22 6 24 4065 1563191069 1563191121 ACCEPT OK',
  '2 086112738802 eni-0d5d75b41f9befe9e 61.177.172.128 172.31.83.158 39611 80 6 1 40 1563108188 1563108227 REJECT OK',
];

describe('compileLineMatcher: space-delimited patterns', () => {
  it('matches 2 of the 4 lab records with the seed SSH pattern', () => {
    expect(matching(SSH, LAB)).toEqual(LAB.slice(0, 2));
  });

  it.each([
    '[ip, user, username, timestamp, request =*.html*, status_code = 4*, bytes]',
    '[..., request =*.html*, status_code = 4*, bytes]',
    '[ip, user, username, timestamp, request =*.html*, status_code = 404 || status_code = 410, bytes]',
    '[ip=%127\\.0\\.0\\.[1-9]%, user, ...]',
    '[ip, server, username, timestamp, request, status_code, bytes > 1000]',
    '[ip, user, ..., status_code, bytes]',
    '[ip, user, ...]',
  ])('%s matches the documented Apache line', (pattern) => {
    expect(compileLineMatcher(pattern).test(APACHE)).toBe(true);
  });

  it.each([
    ['[w1=ERROR, w2]', SERVICE.slice(3)],
    ['[w1=ERROR || w1=WARNING, w2]', SERVICE.slice(2)],
    ['[w1!=ERROR && w1!=WARNING, w2]', SERVICE.slice(0, 2)],
    ['[w1=ERROR || w1=%WARN%, w2]', SERVICE.slice(2)],
    ['[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, response_time]', SERVICE.slice(0, 1)],
    [
      '[logLevel, date, time, method, url=%/service/resource/[0-9]+/part/[0-9]+$%, response_time]',
      SERVICE.slice(1, 2),
    ],
    ['[w1, w2, w3, w4, w5, w6, w7, w8]', []],
  ])('%s selects the documented events', (pattern, expected) => {
    expect(matching(pattern, SERVICE)).toEqual(expected);
  });

  it('extracts every field, named ones as $name and the others as $N (FPS22 sample)', () => {
    const line =
      '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /products/index.html HTTP/1.0" 404 1534';
    expect(compileLineMatcher('[..., request=*.html*, status_code=4*,]').match(line)).toEqual({
      $1: '127.0.0.1',
      $2: '-',
      $3: 'frank',
      $4: '10/Oct/2000:13:25:15 -0700',
      $request: 'GET /products/index.html HTTP/1.0',
      $status_code: '404',
      $7: '1534',
    });
  });

  it('lets the last field absorb the rest of the event when the pattern is shorter (FPS `[w1=ERROR, w2]`)', () => {
    expect(compileLineMatcher('[w1=ERROR, w2]').match(SERVICE[3] as string)).toEqual({
      $w1: 'ERROR',
      $w2: '09/25/2014 12:00:02 Failed to process request',
    });
    expect(compileLineMatcher('[a, b=22]').test('x 22 y')).toBe(false);
    expect(compileLineMatcher('[a]').match('  only  one  ')).toEqual({ $a: 'only  one' });
  });

  it('never matches an event with fewer fields than the pattern names', () => {
    expect(compileLineMatcher('[a, b, c]').test('x y')).toBe(false);
    expect(compileLineMatcher('[a, ..., b, c]').test('x y')).toBe(false);
    expect(compileLineMatcher('[a, ..., b]').match('x y')).toEqual({ $a: 'x', $b: 'y' });
    expect(compileLineMatcher('[...]').match('')).toEqual({});
  });

  it.each([
    ['[a, port=22]', 'x 22', true],
    ['[a, port=22]', 'x 022', true],
    ['[a, port=22]', 'x 22.0', true],
    ['[a, port="22"]', 'x 022', false],
    ['[a, port="22"]', 'x 22', true],
    ['[a, port!=22]', 'x -', false],
    ['[a, port>=0]', 'x -', false],
    ['[a, port="-"]', 'x -', true],
    ['[a, port!="22"]', 'x -', true],
    ['[a, b > 1e3]', 'x 1001', true],
    ['[a, b < -1]', 'x -2', true],
    ['[a, b = 10.*]', 'x 10.0.0.1', true],
    ['[a, b = *.1]', 'x 10.0.0.1', true],
    ['[a, b = 10*1]', 'x 10.0.0.1', true],
    ['[a, b = 10*2]', 'x 10.0.0.1', false],
    ['[a, b = *]', 'x y', true],
    ['[a, b = %^1%]', 'x 10', true],
    ['[a, b != %^1%]', 'x 10', false],
    ['[a, b = %1% && b = %0% && b != 100]', 'x 10', true],
  ])('%s on %j: %s (numbers by value, text exactly, - never a number)', (pattern, line, expected) => {
    expect(compileLineMatcher(pattern).test(line)).toBe(expected);
  });
});

describe('splitEventFields', () => {
  it.each([
    ['a  b\tc', ['a', 'b', 'c']],
    [
      APACHE,
      ['127.0.0.1', 'Prod', 'frank', '10/Oct/2000:13:25:15 -0700', 'GET /index.html HTTP/1.0', '404', '1534'],
    ],
    ['"unclosed quote', ['"unclosed', 'quote']],
    ['[] ""', ['', '']],
    ['', []],
  ])('splits %j', (line, values) => {
    expect(splitEventFields(line).map((f) => f.value)).toEqual(values);
  });
});

const TRAIL =
  '{"eventType": "UpdateTrail", "sourceIPAddress": "111.111.111.111", "arrayKey": ["value", "another value"], "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}], "SomeObject": null, "ThisFlag": true, "cluster.name": "c", "latency": 50}';
const USERS =
  '{"user": {"id": 1, "email": "John.Stiles@example.com"}, "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}], "actions": ["GET", "PUT", "DELETE"], "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]}';

describe('compileLineMatcher: JSON patterns (FPS22 examples)', () => {
  it.each([
    ['{ $.eventType = "UpdateTrail" }', TRAIL, true],
    ['{ $.eventType = UpdateTrail }', TRAIL, true],
    ['{ $.eventType = *Trail }', TRAIL, true],
    ['{ $.eventType = Update* }', TRAIL, true],
    ['{ $.eventType = Up*Trail }', TRAIL, false],
    ['{ $.eventType = %Trail% }', TRAIL, true],
    ['{ $.sourceIPAddress != 123.123.* }', TRAIL, true],
    ['{ $.sourceIPAddress = 111.111.* }', TRAIL, true],
    ['{ $.arrayKey[0] = "value" }', TRAIL, true],
    ['{ $.objectList[1].id = 2 }', TRAIL, true],
    ['{ $.objectList[1].id = 1 }', TRAIL, false],
    ['{ $.objectList[*].name = b }', TRAIL, true],
    ['{ $.SomeObject IS NULL }', TRAIL, true],
    ['{ $.eventType IS NULL }', TRAIL, false],
    ['{ $.SomeOtherObject NOT EXISTS }', TRAIL, true],
    ['{ $.eventType NOT EXISTS }', TRAIL, false],
    ['{ $.ThisFlag IS TRUE }', TRAIL, true],
    ['{ $.ThisFlag IS FALSE }', TRAIL, false],
    ["{ $.['cluster.name'] = c }", TRAIL, true],
    ['{ $.latency = * }', TRAIL, true],
    ['{ $.nothing = * }', TRAIL, false],
    ['{ $.latency >= 50 && $.latency < 50.5 }', TRAIL, true],
    ['{ $.arrayKey = "value" }', TRAIL, false],
    ['{ $.arrayKey != "value" }', TRAIL, false],
    ['{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', USERS, true],
    ['{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', USERS, false],
    [
      '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }',
      USERS,
      true,
    ],
    [
      '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }',
      USERS,
      false,
    ],
    ['{ $.coordinates[2][0] = 7 }', USERS, true],
    ['{ $.eventType = "UpdateTrail" }', 'not json at all', false],
    ['{ $.eventType = "UpdateTrail" }', '{"eventType": "UpdateTrail"', false],
  ])('%s on the sample event: %s', (pattern, line, expected) => {
    expect(compileLineMatcher(pattern).test(line)).toBe(expected);
  });
});
