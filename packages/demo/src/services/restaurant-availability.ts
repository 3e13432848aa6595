import { trace } from '@opentelemetry/api';
import { CITY_CENTRE, CITY_SPAN_DEGREES } from '../city.js';
import { HttpError, jsonRoutes, requireNumber, requireObject } from '../http-kit.js';
import type { JsonRequest } from '../http-kit.js';
import { createRandom } from '../random.js';
import type { DemoService, ServiceContext } from '../service-context.js';
import { TracedCache } from '../traced-cache.js';
import { TracedSqlDatabase } from '../traced-sql-database.js';
import type { Row } from '../traced-sql-database.js';

const tracer = trace.getTracer('@skein/demo/restaurant-availability');

const RESTAURANT_COUNT = 600;
const SEARCH_RADIUS_DEGREES = 0.015;
const DELIVERY_RADIUS_KM = 6;

const SCHEMA = `
  CREATE TABLE restaurants (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    cuisine TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    accepting_orders INTEGER NOT NULL
  );
  CREATE INDEX restaurants_by_location ON restaurants (lat, lon);
`;
const CUISINES = ['pizza', 'thai', 'levantine', 'ramen', 'salads', 'indian', 'burgers'];

function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

function queryCoordinate(request: JsonRequest, key: 'lat' | 'lon'): number {
  const value = Number(request.query.get(key) ?? Number.NaN);
  if (!Number.isFinite(value)) throw new HttpError(400, `query parameter "${key}" must be a number`);
  return value;
}

/**
 * Where restaurants are and whether one can deliver to an address: a geo lookup in SQLite (an
 * index on (lat, lon)) behind an in-process cache. The `slowGeoMs` fault makes the lookup run as
 * if the index were gone: the statement says `NOT INDEXED` (SQLite then scans the whole table, as
 * the query text in the span shows) and takes at least `slowGeoMs`.
 */
export async function createRestaurantAvailability(ctx: ServiceContext): Promise<DemoService> {
  const db = await TracedSqlDatabase.open('restaurants');
  const random = createRandom(7);
  db.setUp(SCHEMA, (insert) => {
    for (let id = 1; id <= RESTAURANT_COUNT; id++) {
      insert('INSERT INTO restaurants (id, name, cuisine, lat, lon, accepting_orders) VALUES (?, ?, ?, ?, ?, ?)', [
        id,
        `Restaurant ${id}`,
        CUISINES[id % CUISINES.length]!,
        CITY_CENTRE.lat + (random() - 0.5) * CITY_SPAN_DEGREES,
        CITY_CENTRE.lon + (random() - 0.5) * CITY_SPAN_DEGREES,
        random() < 0.97 ? 1 : 0,
      ]);
    }
  });
  const nearbyCache = new TracedCache<Row[]>('nearby-restaurants', 5_000, 500);
  const restaurantCache = new TracedCache<Row | undefined>('restaurant-by-id', 30_000, 1_000);

  async function geoLookup(lat: number, lon: number): Promise<Row[]> {
    return tracer.startActiveSpan('geo lookup', async (span) => {
      try {
        const slowGeoMs = ctx.faults.current().slowGeoMs;
        const table = slowGeoMs > 0 ? 'restaurants NOT INDEXED' : 'restaurants';
        span.setAttributes({ 'geo.location.lat': lat, 'geo.location.lon': lon, 'geo.search_radius_deg': SEARCH_RADIUS_DEGREES });
        // The literal 1 and 10 are constants of the query, not user data; the span still shows them as ?.
        const rows = await db.query(
          `SELECT id, name, cuisine, lat, lon FROM ${table}
           WHERE lat BETWEEN ? AND ? AND lon BETWEEN ? AND ? AND accepting_orders = 1
           ORDER BY (lat - ?) * (lat - ?) + (lon - ?) * (lon - ?) LIMIT 10`,
          [
            lat - SEARCH_RADIUS_DEGREES,
            lat + SEARCH_RADIUS_DEGREES,
            lon - SEARCH_RADIUS_DEGREES,
            lon + SEARCH_RADIUS_DEGREES,
            lat,
            lat,
            lon,
            lon,
          ],
          { atLeastMs: slowGeoMs },
        );
        span.setAttribute('restaurant.count', rows.length);
        return rows;
      } finally {
        span.end();
      }
    });
  }

  /** Cached per ~1 km cell: neighbours share an answer, so the cache both hits and misses. */
  function nearby(lat: number, lon: number): Promise<Row[]> {
    const cell = `${lat.toFixed(2)},${lon.toFixed(2)}`;
    return nearbyCache.getOrLoad(cell, () => geoLookup(lat, lon));
  }

  async function restaurantById(id: number): Promise<Row | undefined> {
    return restaurantCache.getOrLoad(String(id), async () => {
      const rows = await db.query('SELECT id, name, lat, lon, accepting_orders FROM restaurants WHERE id = ?', [id]);
      return rows[0];
    });
  }

  async function nearbyRoute(request: JsonRequest) {
    const rows = await nearby(queryCoordinate(request, 'lat'), queryCoordinate(request, 'lon'));
    return { status: 200, body: { restaurants: rows } };
  }

  async function checkRoute(request: JsonRequest) {
    const body = requireObject(request.body);
    const restaurantId = requireNumber(body, 'restaurantId');
    const address = { lat: requireNumber(body, 'lat'), lon: requireNumber(body, 'lon') };
    trace.getActiveSpan()?.setAttribute('restaurant.id', restaurantId);
    const restaurant = await restaurantById(restaurantId);
    if (restaurant === undefined) throw new HttpError(404, `restaurant ${restaurantId} does not exist`);
    const km = distanceKm({ lat: Number(restaurant['lat']), lon: Number(restaurant['lon']) }, address);
    const available = restaurant['accepting_orders'] === 1 && km <= DELIVERY_RADIUS_KM;
    trace.getActiveSpan()?.setAttributes({ 'delivery.distance_km': Math.round(km * 100) / 100, 'restaurant.available': available });
    return { status: 200, body: { available, distanceKm: km, etaMinutes: Math.round(15 + km * 4) } };
  }

  return { routes: jsonRoutes({ 'GET /nearby': nearbyRoute, 'POST /check': checkRoute }) };
}
