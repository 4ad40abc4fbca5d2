/** The few Plotly calls we use (the dist bundle ships no types). */
declare module "plotly.js-finance-dist-min" {
  interface PlotlyStatic {
    react(el: HTMLElement, data: object[], layout?: object, config?: object): Promise<HTMLElement>;
    purge(el: HTMLElement): void;
  }
  const Plotly: PlotlyStatic;
  export default Plotly;
}
