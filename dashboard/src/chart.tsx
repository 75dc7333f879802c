/** A uPlot chart as a Preact component: built on mount, rebuilt when its options or data change, resized with its box. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartProps {
  /** Everything but the size, which follows the container's width. */
  readonly options: Omit<uPlot.Options, 'width' | 'height'>;
  readonly data: uPlot.AlignedData;
  readonly height?: number;
  readonly testId?: string;
}

export function Chart({ options, data, height = 240, testId }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (element === null) return undefined;
    const width = () => Math.max(element.clientWidth, 200);
    const plot = new uPlot({ ...options, width: width(), height }, data, element);
    const observer = new ResizeObserver(() => plot.setSize({ width: width(), height }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [options, data, height]);
  return <div class="chart" ref={box} data-testid={testId} />;
}

/** A uPlot plugin drawing a dashed vertical line and a label at x (e.g. the best epoch). */
export function markerPlugin(x: number, label: string, color = '#c2410c'): uPlot.Plugin {
  return {
    hooks: {
      draw: (u: uPlot) => {
        const left = u.valToPos(x, 'x', true);
        const { top, height } = u.bbox;
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = color;
        ctx.setLineDash([6, 4]);
        ctx.lineWidth = 2 * devicePixelRatio;
        ctx.beginPath();
        ctx.moveTo(left, top);
        ctx.lineTo(left, top + height);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = color;
        ctx.font = `${12 * devicePixelRatio}px system-ui, sans-serif`;
        ctx.textAlign = left > u.bbox.left + u.bbox.width * 0.8 ? 'right' : 'left';
        ctx.fillText(label, left + (ctx.textAlign === 'right' ? -6 : 6) * devicePixelRatio, top + 14 * devicePixelRatio);
        ctx.restore();
      },
    },
  };
}
