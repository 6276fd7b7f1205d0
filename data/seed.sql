-- The demo shop: customers in a CRM schema, orders in a shop schema (DuckDB).
create schema if not exists crm;
create schema if not exists shop;
create or replace table crm.customers (
  id varchar primary key, sf_id varchar, email varchar, phone varchar, first_name varchar,
  plan varchar, ltv decimal(12, 2), last_order_at timestamp, deleted_at timestamp
);
insert into crm.customers values
  ('c-1001', '0015g00000AbCdE', 'ada@example.com',    '+14155550101', 'Ada',    'pro',  1249.50, '2026-11-20 09:15:00', null),
  ('c-1002', '0015g00000FgHiJ', 'grace@example.com',  '+14155550102', 'Grace',  'free',    0.00, null,                  null),
  ('c-1003', '0015g00000KlMnO', 'alan@example.com',   null,           'Alan',   'team',  310.99, '2026-10-02 18:40:00', null),
  ('c-1004', '0015g00000PqRsT', null,                 '+447700900123', 'Zoë',   'pro',    49.99, '2026-11-21 12:00:00', null),
  ('c-1005', '0015g00000UvWxY', 'linus@example.com',  null,           'Linus',  'free',   12.00, '2026-09-30 23:59:59', null),
  ('c-1006', '0015g00000ZaBcD', 'old@example.com',    null,           'Gone',   'free',    0.00, null,                  '2026-01-01 00:00:00');
create or replace table shop.orders (
  order_id varchar primary key, customer_id varchar, total decimal(10, 2), currency varchar,
  placed_at timestamp
);
insert into shop.orders values
  ('o-5001', 'c-1001', 99.00, 'USD', '2026-11-20 09:15:00'),
  ('o-5002', 'c-1003', 310.99, 'EUR', '2026-10-02 18:40:00'),
  ('o-5003', 'c-1004', 49.99, 'GBP', '2026-11-21 12:00:00');
