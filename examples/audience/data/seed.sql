-- A small shop for the audience example (DuckDB): who is a big spender today.
create schema if not exists crm;
create schema if not exists shop;
create or replace table crm.customers (id varchar primary key, email varchar, deleted_at timestamp);
insert into crm.customers values
  ('c-1001', 'ada@example.com', null),      -- 620.00 paid: in
  ('c-1002', 'grace@example.com', null),    -- 3 small paid orders: in
  ('c-1003', 'alan@example.com', null),     -- 900.00 refunded: out
  ('c-1004', 'old@example.com', '2026-01-01 00:00:00');  -- deleted: out
create or replace table shop.orders (
  order_id varchar primary key, customer_id varchar, total decimal(10, 2), status varchar
);
insert into shop.orders values
  ('o-1', 'c-1001', 420.00, 'paid'),
  ('o-2', 'c-1001', 200.00, 'paid'),
  ('o-3', 'c-1002', 10.00, 'paid'),
  ('o-4', 'c-1002', 15.00, 'paid'),
  ('o-5', 'c-1002', 12.00, 'paid'),
  ('o-6', 'c-1003', 900.00, 'refunded'),
  ('o-7', 'c-1004', 800.00, 'paid');
