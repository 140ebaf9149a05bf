import { describe, expect, it } from 'vitest';
import { describeClient, describeUserAgent } from '#web/user-agent.ts';

describe('a browser and a network as people read them', () => {
  it('names the browser and the system', () => {
    expect(describeUserAgent('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36')).toBe(
      'Chrome på Linux',
    );
    expect(
      describeUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0'),
    ).toBe('Edge på Windows');
    expect(
      describeUserAgent(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('Safari på iPhone');
    expect(describeUserAgent('Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:132.0) Gecko/20100101 Firefox/132.0')).toBe('Firefox på Mac');
    expect(describeUserAgent('Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36')).toBe(
      'Chrome på Android',
    );
    expect(describeUserAgent('curl/8.5')).toBe('Okänd webbläsare');
    expect(describeUserAgent('')).toBe('Okänd webbläsare');
  });

  it('says "samma nätverk" for the reader’s own, and writes the part not kept as x', () => {
    expect(describeClient('127.0.0.0', '127.0.0.0')).toBe('Samma nätverk som du använder nu');
    expect(describeClient('192.168.1.0', '127.0.0.0')).toBe('Nätverket 192.168.1.x');
    expect(describeClient('2001:db8:1::/48', '127.0.0.0')).toBe('Nätverket 2001:db8:1:…');
    expect(describeClient('abcDEF123', 'xyz')).toBe('Ett annat nätverk');
    expect(describeClient('', 'xyz')).toBe('Okänt');
  });
});
