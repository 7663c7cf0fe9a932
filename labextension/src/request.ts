import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/**
 * An MMDS API error: the server's message says what went wrong and what to do.
 */
export class MMDSRequestError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

/**
 * GET a file from `<base_url>/mmds/api/<endpoint>`: its bytes and the name the server gives it
 * (Content-Disposition); an error answer is an MMDSRequestError with the server's message.
 */
export async function requestFile(
  endpoint: string
): Promise<{ blob: Blob; name: string }> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'mmds', 'api', endpoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, {}, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  if (!response.ok) {
    let message = `MMDS server answered ${response.status}`;
    try {
      const data = JSON.parse(await response.text());
      message = typeof data.message === 'string' ? data.message : message;
    } catch {
      // not JSON: keep the status
    }
    throw new MMDSRequestError(response.status, message);
  }
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'mmds-report';
  return { blob: await response.blob(), name };
}

/**
 * GET (or, with `init`, POST) `<base_url>/mmds/api/<endpoint>` with Jupyter's credentials;
 * the only fetch in the extension.
 */
export async function requestAPI<T>(
  endpoint = '',
  init: RequestInit = {}
): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'mmds', 'api', endpoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  const text = await response.text();
  let data: any = null;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { message: text };
    }
  }
  if (!response.ok) {
    const message =
      data && typeof data.message === 'string'
        ? data.message
        : `MMDS server answered ${response.status}`;
    throw new MMDSRequestError(response.status, message);
  }
  return data as T;
}
