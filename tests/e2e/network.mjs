// The network the end-to-end scenarios run: its config, pointing at local stubs, and keys.
export const KEY_HEX = 'e2e0'.repeat(16);
export const ADMIN_TOKEN = 'e2e-admin-token-0123456789';
// The secrets every target is started with: signing keys and the operator API's token.
export const SIGNING_ENV = { EDGEPOST_SIGNING_KEYS: `3:${KEY_HEX}`, EDGEPOST_SIGNING_KEY_ID: '3', EDGEPOST_ADMIN_TOKEN: ADMIN_TOKEN };
export const TOKEN = 'e2e-token-0123456789';

const CLICK_MACROS = 'tid={transaction_id}&o={offer_id}&a={aff_id}&s1={aff_sub}&s2={aff_sub2}&s3={aff_sub3}' +
  '&s4={aff_sub4}&s5={aff_sub5}&src={source}&acid={aff_click_id}&ts={timestamp}';

// landing: the advertiser's page; partner(aff): where affiliate `aff` receives postbacks.
export function networkConfig({ landing, partner }) {
  return {
    advertisers: [
      { id: 1, name: 'Shop', auth: { security_token: TOKEN } },
      { id: 2, name: 'Locked', auth: { security_token: TOKEN, ip_allowlist: ['203.0.113.0/24'] } },
      { id: 3, name: 'Apps', auth: 'none' },
    ],
    affiliates: [
      { id: 7, name: 'Partner seven', postback_url: `${partner(7)}?${CLICK_MACROS}&goal={goal}&payout={payout}&cur={currency}&st={status}&cid={conversion_id}`,
        reversal_postback_url: `${partner(7)}?reversal=1&tx={transaction_id}&payout={payout}&st={status}&cid={conversion_id}` },
      { id: 8, name: 'Partner eight', postback_url: `${partner(8)}?tx={transaction_id}&goal={goal}&payout={payout}` },
      { id: 9, name: 'Partner nine, often down', postback_url: `${partner(9)}?tx={transaction_id}&cid={conversion_id}` },
    ],
    offers: [
      { id: 100, advertiser_id: 1, name: 'Fixed', url: `${landing}?${CLICK_MACROS}`,
        goals: [{ id: 'sale', revenue: { fixed: '10.00' }, payout: { fixed: '4.00' } }] },
      { id: 200, advertiser_id: 3, name: 'Percent', currency: 'EUR', url: `${landing}?tid={transaction_id}`,
        goals: [{ id: 'sale', revenue: { percent: '10' }, payout: { fixed: '1', percent: '5' } }] },
      { id: 300, advertiser_id: 3, name: 'App events', url: `${landing}?tid={transaction_id}`, default_goal: 'install',
        goals: [
          { id: 'install', revenue: { fixed: '2' }, payout: { fixed: '1' } },
          { id: 'registration', revenue: { fixed: '1' }, payout: { fixed: '0.5' } },
          { id: 'purchase', revenue: { percent: '30' }, payout: { percent: '15' }, multiple: true, dedupe: 'fingerprint', dedupe_window_seconds: 600 },
          { id: 'gems', revenue: { percent: '30' }, payout: { percent: '15' }, multiple: true },
        ] },
      { id: 400, advertiser_id: 2, name: 'IP locked', url: `${landing}?tid={transaction_id}`,
        goals: [{ id: 'sale', revenue: { fixed: '1' }, payout: { fixed: '1' } }] },
      { id: 500, advertiser_id: 3, name: 'One hour window', attribution_window_hours: 1, url: `${landing}?tid={transaction_id}`,
        goals: [{ id: 'sale', revenue: { fixed: '1' }, payout: { fixed: '1' } }] },
      { id: 700, advertiser_id: 3, name: 'No reversals', reversal_window_days: 0, url: `${landing}?tid={transaction_id}`,
        goals: [{ id: 'sale', revenue: { fixed: '1' }, payout: { fixed: '1' } }] },
      { id: 610, advertiser_id: 3, name: 'Capped at 10', url: `${landing}?tid={transaction_id}`,
        caps: [{ period: 'total', conversions: 10 }],
        goals: [{ id: 'sale', revenue: { fixed: '2' }, payout: { fixed: '1' } }] },
      { id: 620, advertiser_id: 3, name: 'No bots, not from RU', url: `${landing}?tid={transaction_id}`,
        fallback_url: `${landing}?fallback=620`,
        traffic_rules: { bots: 'block', blocked_countries: ['RU'] },
        goals: [{ id: 'sale', revenue: { fixed: '1' }, payout: { fixed: '1' } }] },
      { id: 630, advertiser_id: 3, name: '30 clicks a minute per address', url: `${landing}?tid={transaction_id}`,
        fallback_url: `${landing}?fallback=630`,
        traffic_rules: { max_clicks_per_ip_per_minute: 30 },
        goals: [{ id: 'sale', revenue: { fixed: '1' }, payout: { fixed: '1' } }] },
    ],
  };
}
