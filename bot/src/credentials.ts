import {
  ServiceClientCredentialsFactory,
  type ServiceClientCredentials,
} from 'botframework-connector';

/** Where Bot Connector tokens come from (msal-node in the composition root). */
export interface ConnectorTokens {
  /** A token for `https://api.botframework.com` from `tenant` (`botframework.com` or the bot's own). */
  getToken(tenant: string): Promise<string>;
}

/**
 * Bot Connector credentials from our own token source, so the sandbox's Entra (a local https
 * authority msal-node 2.x inside botbuilder cannot be pointed at) and the real one work the same.
 * Only the bot's own app id gets credentials.
 */
export class ConnectorCredentialsFactory extends ServiceClientCredentialsFactory {
  constructor(
    private readonly appId: string,
    private readonly tenant: string,
    private readonly tokens: ConnectorTokens,
  ) {
    super();
  }

  async isValidAppId(appId: string): Promise<boolean> {
    return appId === this.appId;
  }

  async isAuthenticationDisabled(): Promise<boolean> {
    return false;
  }

  async createCredentials(appId: string): Promise<ServiceClientCredentials> {
    if (appId !== this.appId) throw new Error('Invalid appId.');
    const { tokens, tenant } = this;
    return {
      async signRequest(webResource) {
        webResource.headers.set('authorization', `Bearer ${await tokens.getToken(tenant)}`);
        return webResource;
      },
    };
  }
}
