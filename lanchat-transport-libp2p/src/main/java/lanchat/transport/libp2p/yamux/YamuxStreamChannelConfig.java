package lanchat.transport.libp2p.yamux;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import java.util.Map;

/**
 * Configuration of a {@link YamuxStreamChannel}: Netty's defaults (auto-read on, write buffer water marks)
 * plus {@link ChannelOption#ALLOW_HALF_CLOSURE}, which defaults to {@code true} here because libp2p streams
 * are half-closed routinely (a peer sends its request, then FIN, and waits for the answer).
 */
final class YamuxStreamChannelConfig extends DefaultChannelConfig {
    private volatile boolean allowHalfClosure = true;

    YamuxStreamChannelConfig(Channel channel) {
        super(channel);
    }

    boolean isAllowHalfClosure() {
        return allowHalfClosure;
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), ChannelOption.ALLOW_HALF_CLOSURE);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(ChannelOption<T> option) {
        if (option == ChannelOption.ALLOW_HALF_CLOSURE) return (T) Boolean.valueOf(allowHalfClosure);
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
            validate(option, value);
            allowHalfClosure = (Boolean) value;
            return true;
        }
        return super.setOption(option, value);
    }
}
