/**
 * The demo's customers, shared by the auth service (which owns them) and the traffic driver (which
 * logs in as them). Tiers drive pricing discounts and fraud scores, so traces differ by tier.
 */
export const CUSTOMER_TIERS = ['standard', 'gold', 'new'] as const;
export type CustomerTier = (typeof CUSTOMER_TIERS)[number];

export interface Customer {
  id: string;
  tier: CustomerTier;
  token: string;
}

export const CUSTOMER_COUNT = 40;

export function demoCustomer(index: number): Customer {
  const number = (index % CUSTOMER_COUNT) + 1;
  // Mostly standard, some gold, a few new accounts (the ones fraud-check looks at harder).
  const tier: CustomerTier = number % 5 === 0 ? 'gold' : number % 7 === 0 ? 'new' : 'standard';
  return { id: `c-${String(number).padStart(4, '0')}`, tier, token: `demo-token-${number}` };
}

export const MENU: Readonly<Record<string, number>> = {
  'margherita-pizza': 1150,
  'pad-thai': 1290,
  'falafel-wrap': 890,
  'ramen-tonkotsu': 1450,
  'caesar-salad': 950,
  'mango-lassi': 450,
  tiramisu: 650,
};
