/**
 * The simulated retailer: regions, stores and a catalogue of skus with category and brand.
 */
import categories from './categories.json' with { type: 'json' };

/** A region of the retailer, with the UTC offset its tills stamp on store transactions. */
export interface Region {
  name: string;
  /** Share of shoppers living here. */
  shopperShare: number;
  /** UTC offset of store clocks, e.g. `-08:00`. */
  utcOffset: string;
  offsetMinutes: number;
}

/** The five regions. */
export const REGIONS: readonly Region[] = [
  { name: 'west', shopperShare: 0.26, utcOffset: '-08:00', offsetMinutes: -480 },
  { name: 'east', shopperShare: 0.22, utcOffset: '-05:00', offsetMinutes: -300 },
  { name: 'north', shopperShare: 0.16, utcOffset: '-06:00', offsetMinutes: -360 },
  { name: 'south', shopperShare: 0.18, utcOffset: '-06:00', offsetMinutes: -360 },
  { name: 'central', shopperShare: 0.18, utcOffset: '-06:00', offsetMinutes: -360 },
];

/** A store. */
export interface Store {
  storeId: string;
  region: Region;
}

/** Zones a store's beacons report. */
export const STORE_ZONES: readonly string[] = [
  'entrance',
  'produce',
  'dairy',
  'bakery',
  'frozen',
  'beverages',
  'electronics',
  'checkout',
];

/** Stores per region. */
export const STORES_PER_REGION = 4;

/** All stores, `store-<region>-<nn>`. */
export function createStores(): Store[] {
  return REGIONS.flatMap((region) =>
    Array.from({ length: STORES_PER_REGION }, (_, index) => ({
      storeId: `store-${region.name}-${String(index + 1).padStart(2, '0')}`,
      region,
    })),
  );
}

/** A product category with its basket weight, price range and brands. */
export interface CategoryDefinition {
  name: string;
  /** Relative weight of a basket line falling in this category. */
  weight: number;
  minPrice: number;
  maxPrice: number;
  brands: readonly string[];
  /** Words shoppers search for. */
  searchTerms: readonly string[];
  /** Store zone where it is shelved. */
  zone: string;
}

/** The two sample partner brands. */
export const PARTNER_BRANDS = { freshOats: 'fresh-oats', sparkleSoda: 'sparkle-soda' } as const;

/** Categories of the catalogue (a data table: `categories.json`). */
export const CATEGORIES: readonly CategoryDefinition[] = categories;

/** A product in the catalogue. */
export interface Product {
  sku: string;
  category: string;
  brand: string;
  unitPrice: number;
}

/** The catalogue: products and lookups by category and brand. */
export interface Catalogue {
  products: Product[];
  byCategory: Map<string, Product[]>;
  byBrand: Map<string, Product[]>;
}

/** Skus per brand and category. */
export const SKUS_PER_BRAND = 3;

/**
 * Build the catalogue. Skus are readable (`fresh-oats-cereal-1`); prices are spread evenly over the
 * category's range so the catalogue is the same for every seed.
 */
export function createCatalogue(): Catalogue {
  const products: Product[] = [];
  const byCategory = new Map<string, Product[]>();
  const byBrand = new Map<string, Product[]>();
  for (const category of CATEGORIES) {
    const inCategory: Product[] = [];
    category.brands.forEach((brand, brandIndex) => {
      for (let n = 1; n <= SKUS_PER_BRAND; n += 1) {
        const step = (brandIndex * SKUS_PER_BRAND + n) / (category.brands.length * SKUS_PER_BRAND + 1);
        const unitPrice =
          Math.round((category.minPrice + step * (category.maxPrice - category.minPrice)) * 100) / 100 - 0.01;
        const product = {
          sku: `${brand}-${category.name}-${n}`,
          category: category.name,
          brand,
          unitPrice: Math.max(0.49, Math.round(unitPrice * 100) / 100),
        };
        products.push(product);
        inCategory.push(product);
        const ofBrand = byBrand.get(brand) ?? [];
        ofBrand.push(product);
        byBrand.set(brand, ofBrand);
      }
    });
    byCategory.set(category.name, inCategory);
  }
  return { products, byCategory, byBrand };
}
