-- The demo tenant's warehouse: the tables behind the data sources of examples/directory.yaml, with a few rows each,
-- and a login role per demo user, so access the marketplace provisions can be tried with real queries.
--
-- `marketplace quickstart --warehouse postgres://SUPERUSER@HOST:PORT/DB` loads it when its tables are missing.
-- By hand: `psql -v ON_ERROR_STOP=1 -f examples/warehouse.sql` (as a superuser, since it creates roles).
--
-- Placement: a data source lives at schema = its domain's name lowercased, table = its `table` lowercased
-- (Customers is sales.customers, General Ledger is finance.gl_entries), whatever platform the directory names.
--
-- Running it again changes nothing: everything is created only if missing and rows conflicting on a primary key
-- are skipped. It grants nothing and creates no views: the marketplace grants access and creates masked views.
-- Pure SQL, no psql meta-commands, so it can be sent as one batch by a client library too.

BEGIN;

CREATE SCHEMA IF NOT EXISTS sales;
CREATE SCHEMA IF NOT EXISTS finance;

-- Sales --------------------------------------------------------------------------------------------------------

-- Sales Orders (data source 1)
CREATE TABLE IF NOT EXISTS sales.orders (
    order_id bigint PRIMARY KEY,
    customer_id bigint,
    order_date date,
    status text,
    total_amount numeric(12,2),
    currency text
);
INSERT INTO sales.orders VALUES
    (1001, 101, '2024-03-02', 'DELIVERED', 129.97, 'USD'),
    (1002, 102, '2024-03-05', 'DELIVERED',  54.50, 'USD'),
    (1003, 103, '2024-03-09', 'SHIPPED',   249.00, 'CAD'),
    (1004, 101, '2024-03-14', 'DELIVERED',  39.98, 'USD'),
    (1005, 104, '2024-03-18', 'CANCELLED',  89.99, 'USD'),
    (1006, 105, '2024-03-21', 'PENDING',   164.49, 'USD')
ON CONFLICT DO NOTHING;

-- Order Lines (data source 2)
CREATE TABLE IF NOT EXISTS sales.order_lines (
    order_id bigint,
    line_number bigint,
    product_id bigint,
    quantity numeric,
    unit_price numeric(12,2),
    PRIMARY KEY (order_id, line_number)
);
INSERT INTO sales.order_lines VALUES
    (1001, 1, 501, 1,  89.99),
    (1001, 2, 503, 2,  19.99),
    (1002, 1, 504, 1,  54.50),
    (1003, 1, 502, 1, 249.00),
    (1004, 1, 503, 2,  19.99),
    (1005, 1, 501, 1,  89.99),
    (1006, 1, 505, 1, 149.50),
    (1006, 2, 506, 1,  14.99)
ON CONFLICT DO NOTHING;

-- Customers (data source 3): realistic emails, since a masked view shows their SHA-256.
CREATE TABLE IF NOT EXISTS sales.customers (
    customer_id bigint PRIMARY KEY,
    full_name text,
    email text,
    phone text,
    city text,
    country text,
    signup_date date
);
INSERT INTO sales.customers VALUES
    (101, 'Ada Lovelace',      'ada@example.com',       '+1-206-555-0101', 'Seattle',  'US', '2023-01-15'),
    (102, 'Grace Hopper',      'grace@example.com',     '+1-212-555-0102', 'New York', 'US', '2023-02-03'),
    (103, 'Alan Turing',       'alan@example.com',      '+1-416-555-0103', 'Toronto',  'CA', '2023-04-22'),
    (104, 'Katherine Johnson', 'katherine@example.com', '+1-757-555-0104', 'Hampton',  'US', '2023-06-30'),
    (105, 'Edsger Dijkstra',   'edsger@example.com',    '+1-512-555-0105', 'Austin',   'US', '2023-09-12'),
    (106, 'Barbara Liskov',    'barbara@example.com',   '+1-617-555-0106', 'Boston',   'US', '2024-01-08')
ON CONFLICT DO NOTHING;

-- Products (data source 4)
CREATE TABLE IF NOT EXISTS sales.products (
    product_id bigint PRIMARY KEY,
    sku text,
    name text,
    category text,
    list_price numeric(12,2)
);
INSERT INTO sales.products VALUES
    (501, 'HK-1001', 'Trail Hiking Boots',     'Footwear',    89.99),
    (502, 'TN-2040', 'Two-Person Tent',        'Camping',    249.00),
    (503, 'SK-0310', 'Merino Wool Socks',      'Apparel',     19.99),
    (504, 'BP-0550', 'Daypack 25L',            'Bags',        54.50),
    (505, 'JK-0720', 'Insulated Rain Jacket',  'Apparel',    149.50),
    (506, 'WB-0110', 'Stainless Water Bottle', 'Accessories', 14.99)
ON CONFLICT DO NOTHING;

-- Online Sessions (data source 5)
CREATE TABLE IF NOT EXISTS sales.sessions (
    session_id text PRIMARY KEY,
    customer_id bigint,
    started_at timestamptz,
    ip_address text,
    landing_page text
);
INSERT INTO sales.sessions VALUES
    ('s-7f3a91c2', 101, '2024-03-01 18:42:10+00', '203.0.113.24',  '/boots'),
    ('s-2b8e4d07', 102, '2024-03-05 12:03:55+00', '198.51.100.7',  '/bags/daypack-25l'),
    ('s-c41d6e5a', 103, '2024-03-08 21:17:30+00', '192.0.2.146',   '/camping'),
    ('s-9e05fa13', 104, '2024-03-17 09:30:02+00', '203.0.113.201', '/sale'),
    ('s-5a6c2b88', 105, '2024-03-21 15:48:41+00', '198.51.100.88', '/apparel/jackets'),
    ('s-e1f73d40', 106, '2024-03-22 07:05:19+00', '192.0.2.33',    '/')
ON CONFLICT DO NOTHING;

-- Sales Pipeline (data source 6)
CREATE TABLE IF NOT EXISTS sales.opportunities (
    opportunity_id integer PRIMARY KEY,
    account_name text,
    owner_email text,
    stage text,
    amount numeric,
    close_date date
);
INSERT INTO sales.opportunities VALUES
    (1, 'Cascade Outfitters',    'dana@demo-retail.example', 'Prospecting',   25000, '2024-06-30'),
    (2, 'Summit Scouts Council', 'sam@demo-retail.example',  'Qualification', 12500, '2024-05-15'),
    (3, 'Northwind Lodges',      'dana@demo-retail.example', 'Proposal',      48000, '2024-04-30'),
    (4, 'Riverbend Schools',     'sam@demo-retail.example',  'Negotiation',    9800, '2024-04-12'),
    (5, 'Pinecrest Resorts',     'dana@demo-retail.example', 'Closed Won',    61200, '2024-03-01'),
    (6, 'Lakeside Rentals',      'sam@demo-retail.example',  'Closed Lost',    7400, '2024-02-20')
ON CONFLICT DO NOTHING;

-- Store Returns (data source 7)
CREATE TABLE IF NOT EXISTS sales.returns (
    return_id integer PRIMARY KEY,
    order_id integer,
    reason text,
    refund_amount numeric(12,2)
);
INSERT INTO sales.returns VALUES
    (1, 1001, 'Wrong size',           89.99),
    (2, 1002, 'Changed mind',         54.50),
    (3, 1004, 'Damaged in transit',   19.99),
    (4, 1003, 'Missing parts',       249.00),
    (5, 1006, 'Not as described',     14.99)
ON CONFLICT DO NOTHING;

-- Finance ------------------------------------------------------------------------------------------------------

-- General Ledger (data source 8)
CREATE TABLE IF NOT EXISTS finance.gl_entries (
    entry_id bigint PRIMARY KEY,
    account_code text,
    posting_date date,
    debit numeric(14,2),
    credit numeric(14,2),
    memo text
);
INSERT INTO finance.gl_entries VALUES
    (70001, '1100', '2024-03-31', 637.94,    0.00, 'March web sales receivable'),
    (70002, '4000', '2024-03-31',   0.00,  637.94, 'March web sales revenue'),
    (70003, '5200', '2024-03-31', 428.47,    0.00, 'March refunds'),
    (70004, '1100', '2024-03-31',   0.00,  428.47, 'March refunds against receivable'),
    (70005, '6100', '2024-03-28', 1840.00,   0.00, 'Warehouse rent'),
    (70006, '1000', '2024-03-28',   0.00, 1840.00, 'Warehouse rent paid')
ON CONFLICT DO NOTHING;

-- Invoices (data source 9): billed to the sales customers, at their email.
CREATE TABLE IF NOT EXISTS finance.invoices (
    invoice_id bigint PRIMARY KEY,
    customer_id bigint,
    issued_on date,
    due_on date,
    amount_due numeric(12,2),
    billing_email text
);
INSERT INTO finance.invoices VALUES
    (9001, 101, '2024-03-02', '2024-04-01', 129.97, 'ada@example.com'),
    (9002, 102, '2024-03-05', '2024-04-04',  54.50, 'grace@example.com'),
    (9003, 103, '2024-03-09', '2024-04-08', 249.00, 'alan@example.com'),
    (9004, 101, '2024-03-14', '2024-04-13',  39.98, 'ada@example.com'),
    (9005, 105, '2024-03-21', '2024-04-20', 164.49, 'edsger@example.com')
ON CONFLICT DO NOTHING;

-- Vendor Payments (data source 10)
CREATE TABLE IF NOT EXISTS finance.payments (
    payment_id bigint PRIMARY KEY,
    vendor_name text,
    bank_account text,
    amount numeric(12,2),
    paid_on date
);
INSERT INTO finance.payments VALUES
    (3001, 'Alpine Footwear Ltd.',     'US12 3456 7890 1234 5678', 12400.00, '2024-03-04'),
    (3002, 'Evergreen Textiles',       'US98 7654 3210 9876 5432',  5320.50, '2024-03-11'),
    (3003, 'Ridgeline Camping Supply', 'CA45 0012 3400 5678 9012', 18750.00, '2024-03-15'),
    (3004, 'Harbor Logistics',         'US33 2211 0099 8877 6655',  2980.75, '2024-03-22'),
    (3005, 'Metro Property Group',     'US77 5544 3322 1100 9988',  1840.00, '2024-03-28')
ON CONFLICT DO NOTHING;

-- Payroll (data source 11)
CREATE TABLE IF NOT EXISTS finance.salaries (
    employee_id integer PRIMARY KEY,
    employee_name text,
    base_salary numeric,
    bonus numeric,
    bank_account text
);
INSERT INTO finance.salaries VALUES
    (1, 'Ada Admin',       118000, 9450, 'US10 1111 2222 3333 4444'),
    (2, 'Dana Data-Owner', 104500, 7820, 'US20 5555 6666 7777 8888'),
    (3, 'Sam Steward',      86000, 4135, 'US30 9999 0000 1111 2222'),
    (4, 'Fran Finance',     97250, 6010, 'US40 3333 4444 5555 6666'),
    (5, 'Casey Consumer',   72000, 2575, 'US50 7777 8888 9999 0000'),
    (6, 'Riley Analyst',    81500, 3390, 'DE60 1234 5678 9012 3456')
ON CONFLICT DO NOTHING;

-- Budgets (data source 12)
CREATE TABLE IF NOT EXISTS finance.budgets (
    fiscal_year integer,
    cost_center text,
    planned_amount numeric(14,2),
    actual_amount numeric(14,2),
    PRIMARY KEY (fiscal_year, cost_center)
);
INSERT INTO finance.budgets VALUES
    (2023, 'SALES-NA',  1200000.00, 1187340.55),
    (2023, 'FIN-OPS',    450000.00,  462118.20),
    (2023, 'IT-PLAT',    800000.00,  771905.00),
    (2024, 'SALES-NA',  1350000.00,  312480.10),
    (2024, 'FIN-OPS',    470000.00,  118250.00),
    (2024, 'IT-PLAT',    840000.00,  205330.45)
ON CONFLICT DO NOTHING;

-- Exchange Rates (data source 13)
CREATE TABLE IF NOT EXISTS finance.fx_rates (
    rate_date date,
    from_currency text,
    to_currency text,
    rate numeric,
    PRIMARY KEY (rate_date, from_currency, to_currency)
);
INSERT INTO finance.fx_rates VALUES
    ('2024-03-29', 'USD', 'CAD', 1.3540),
    ('2024-03-29', 'CAD', 'USD', 0.7386),
    ('2024-03-29', 'USD', 'EUR', 0.9265),
    ('2024-03-29', 'EUR', 'USD', 1.0793),
    ('2024-03-29', 'USD', 'GBP', 0.7919),
    ('2024-03-29', 'GBP', 'USD', 1.2628)
ON CONFLICT DO NOTHING;

-- Expense Reports (data source 14): filed by the demo users.
CREATE TABLE IF NOT EXISTS finance.expenses (
    report_id integer PRIMARY KEY,
    employee_email text,
    category text,
    amount numeric(10,2),
    submitted_on date
);
INSERT INTO finance.expenses VALUES
    (1, 'dana@demo-retail.example',  'Travel',        842.30, '2024-03-06'),
    (2, 'sam@demo-retail.example',   'Meals',          64.75, '2024-03-08'),
    (3, 'fran@demo-retail.example',  'Software',      199.00, '2024-03-12'),
    (4, 'casey@demo-retail.example', 'Conference',    650.00, '2024-03-19'),
    (5, 'riley@demo-retail.example', 'Travel',       1120.40, '2024-03-25'),
    (6, 'admin@demo-retail.example', 'Hardware',      389.99, '2024-03-27')
ON CONFLICT DO NOTHING;

-- Roles --------------------------------------------------------------------------------------------------------

-- One login role per demo user of the directory, named as the user, so a user's own queries show what the
-- marketplace granted them. Password = username: demo only, never do this with real users. Nothing is granted
-- here: the marketplace grants access when requests are approved.
DO $$
DECLARE
    username text;
BEGIN
    FOREACH username IN ARRAY ARRAY['admin', 'dana', 'sam', 'fran', 'casey', 'riley'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = username) THEN
            EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', username, username);
        END IF;
    END LOOP;
END
$$;

COMMIT;
