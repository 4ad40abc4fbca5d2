/** What every page shows while the database holds no records yet. */
export function NoDataYet() {
  return (
    <div className="empty" role="status">
      <h2>No data yet</h2>
      <p>The database has no daily prices. Load some with the pipeline, then reload this page:</p>
      <pre>./scripts/demo.sh{"\n"}# or: npx stock-pipeline backfill --from 2025-01-02 --to 2025-12-31 --tickers AAPL,MSFT</pre>
    </div>
  );
}
